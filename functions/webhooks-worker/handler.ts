/**
 * AWS twin of the embedded events worker: invoked by the table's stream when a request seals its
 * event batch, and every minute for retries and unsealed batches. It delivers list webhooks
 * (SPEC L10) and turns automation facts into pending sends, sending those due now (SPEC A3).
 */
import { getDeps } from '#shared/runtime/current-deps';
import { deliverDue, fanOutEvents } from '#shared/webhooks/worker';
import { logger } from '#shared/logger';
import { processFacts } from '#shared/automations/events';

export const handler = async (): Promise<{ batches: number; attempts: number }> => {
  const deps = await getDeps();
  const batches = await fanOutEvents(deps, (event) => processFacts(deps, event));
  const attempts = await deliverDue(deps);
  logger.info('webhook worker', { batches, attempts });
  return { batches, attempts };
};
