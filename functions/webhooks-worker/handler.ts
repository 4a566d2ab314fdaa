/**
 * AWS twin of the embedded events worker: invoked by the table's stream when a request seals its
 * event batch, and every minute for retries and unsealed batches. It delivers list webhooks
 * (SPEC L10) and turns automation facts into pending sends, sending those due now (SPEC A3).
 * Both steps isolate their items (issue 12: a failing one is retried, then parked as a dead
 * letter), and a step that fails as a whole does not keep the other from running; the
 * invocation fails only then, so the stream and the schedule try again.
 */
import { getDeps } from '#shared/runtime/current-deps';
import { deliverDue, fanOutEvents } from '#shared/webhooks/worker';
import { logger } from '#shared/logger';
import { processFacts } from '#shared/automations/events';

export const handler = async (): Promise<{ batches: number; attempts: number }> => {
  const deps = await getDeps();
  // In turn, so the deliveries just fanned out are attempted in this invocation.
  const [fanOut] = await Promise.allSettled([fanOutEvents(deps, (event) => processFacts(deps, event))]);
  const [delivery] = await Promise.allSettled([deliverDue(deps)]);
  const batches = fanOut.status === 'fulfilled' ? fanOut.value : 0;
  const attempts = delivery.status === 'fulfilled' ? delivery.value : 0;
  logger.info('webhook worker', { batches, attempts });
  for (const step of [fanOut, delivery]) if (step.status === 'rejected') throw step.reason;
  return { batches, attempts };
};
