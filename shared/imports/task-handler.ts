/**
 * The one way an import task Lambda is built: dependencies, logging, and errors named for the
 * state machine's Retry and Catch. Known permanent errors keep their names; anything else (a
 * DynamoDB hiccup, a crash) becomes `TransientError`, which the state machine retries.
 */
import type { Deps } from '#shared/runtime/deps';
import { getDeps } from '#shared/runtime/current-deps';
import { logger } from '#shared/logger';
import { heartbeat, HEARTBEAT_MS, type JobRef } from './jobs';

const keepNames = new Set(['IntegrationNotConnected', 'ProviderAuthFailed', 'ProviderUnavailable', 'ImportSuperseded']);

export class TransientError extends Error {
  override readonly name = 'TransientError';
}

export type ImportTaskHandler<I, O> = (input: I) => Promise<O>;

/**
 * While a task runs, its job's heartbeat is written at once and every HEARTBEAT_MS (issue 12):
 * the sign of life that keeps the list's lock (shared/imports/jobs.ts). A beat that fails is
 * only logged; the task's own writes decide its fate.
 */
function keepAlive(deps: Deps, input: unknown): () => void {
  const ref = input as Partial<JobRef> | undefined;
  if (!ref || typeof ref.jobId !== 'string' || typeof ref.listId !== 'number') return () => undefined;
  const { jobId, listId } = ref;
  const beat = () =>
    void heartbeat(deps, listId, jobId).catch((error: Error) => logger.warn('import heartbeat failed', { jobId, error: error.message }));
  beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}

export function importTask<I, O>(name: string, fn: (deps: Deps, input: I) => Promise<O>): ImportTaskHandler<I, O> {
  return async (input: I) => {
    const deps = await getDeps();
    const started = performance.now();
    const stopBeating = keepAlive(deps, input);
    try {
      const out = await fn(deps, input);
      logger.debug('import task done', { task: name, ms: Math.round(performance.now() - started) });
      return out;
    } catch (error) {
      const e = error as Error;
      logger.warn('import task failed', { task: name, errorName: e.name, errorMessage: e.message });
      if (keepNames.has(e.name)) throw error;
      throw new TransientError(e.message);
    } finally {
      stopBeating();
    }
  };
}
