/**
 * AWS twin of the embedded webhook worker (SPEC L10): invoked by the table's stream when a
 * request seals its event batch, and every minute for retries and unsealed batches.
 */
import { getDeps } from '#shared/runtime/deps';
import { deliverDue, fanOutEvents } from '#shared/webhooks/worker';
import { logger } from '#shared/logger';

export const handler = async (): Promise<{ batches: number; attempts: number }> => {
  const deps = await getDeps();
  const batches = await fanOutEvents(deps);
  const attempts = await deliverDue(deps);
  logger.info('webhook worker', { batches, attempts });
  return { batches, attempts };
};
