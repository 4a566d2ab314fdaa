import type { Metrics } from '#shared/ports/metrics';

/** Issue 17: a completed import's figures, once, after its switch committed. */
export function recordImportCompleted(metrics: Metrics, provider: string, membersWritten: number, durationMs: number): void {
  metrics.add('ImportsCompleted', 1, { Provider: provider });
  metrics.add('ImportedMembers', membersWritten, { Provider: provider });
  metrics.add('ImportDuration', Math.max(durationMs, 1), { Provider: provider });
}
