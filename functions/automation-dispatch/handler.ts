/**
 * Target of EventBridge Scheduler (SPEC A8): sends what falls due. The automated-emails issue
 * fills it in; until then it only records that it ran.
 */
import { logger } from '#shared/logger';

export const handler = async (event: unknown): Promise<{ dispatched: number }> => {
  logger.info('dispatch invoked', { event: event as Record<string, unknown> });
  return { dispatched: 0 };
};
