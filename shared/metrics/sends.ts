import type { Metrics } from '#shared/ports/metrics';
import { sendFailureReason } from './names';

/**
 * One call per recorded page of sends (issue 17): the sent, failed (by reason class) and dropped
 * among the outcomes committed, as few figures as there are kinds. Outcomes of other kinds
 * (retries, skips) count nothing: they are counted when they are recorded.
 */
export function countSends(metrics: Metrics, source: 'automation' | 'email', outcomes: Iterable<{ kind: string; reason?: string }>): void {
  let sent = 0;
  let dropped = 0;
  const failed = new Map<string, number>();
  for (const o of outcomes) {
    if (o.kind === 'sent') sent++;
    else if (o.kind === 'dropped') dropped++;
    else if (o.kind === 'failed') {
      const reason = sendFailureReason(o.reason ?? '');
      failed.set(reason, (failed.get(reason) ?? 0) + 1);
    }
  }
  metrics.add('EmailsSent', sent, { Source: source });
  metrics.add('EmailsDropped', dropped, { Source: source });
  for (const [reason, n] of failed) metrics.add('EmailsFailed', n, { Source: source, Reason: reason });
}
