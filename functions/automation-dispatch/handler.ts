/**
 * Target of every EventBridge Scheduler entry (SPEC A8): a due minute, a scheduled start or end,
 * or the daily anniversary scan. Safe to run twice for the same event (SPEC A7).
 */
import { z } from 'zod';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { getDeps } from '#shared/runtime/current-deps';
import { runDispatch } from '#shared/automations/dispatch';
import { logger } from '#shared/logger';

const eventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('due'), minute: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/) }),
  z.object({ kind: z.enum(['start', 'end', 'anniversary']), automationId: z.number().int().positive() }),
]);

export const handler = middy(async (raw: unknown) => {
  const event = eventSchema.parse(raw);
  const result = await runDispatch(await getDeps(), event);
  logger.info('dispatched', { event, ...result });
  return result;
}).use(injectLambdaContext(logger));
