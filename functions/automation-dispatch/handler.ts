/**
 * Target of every EventBridge Scheduler entry (SPEC A8): a due minute, a scheduled start or end,
 * the daily anniversary scan, or a reserved regular email (issue 15). Safe to run twice for the same event (SPEC A7).
 */
import { z } from 'zod';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { getDeps } from '#shared/runtime/current-deps';
import { runDispatch } from '#shared/automations/dispatch';
import { runReservedSend } from '#shared/emails/send';
import { logger } from '#shared/logger';

const eventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('due'), minute: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/) }),
  z.object({ kind: z.enum(['start', 'end', 'anniversary']), automationId: z.number().int().positive() }),
  // Issue 15: a reserved regular email's time has come.
  z.object({ kind: z.literal('emailSend'), emailId: z.number().int().positive(), reserveAt: z.string().max(40) }),
]);

export const handler = middy(async (raw: unknown) => {
  const event = eventSchema.parse(raw);
  const deps = await getDeps();
  const result = event.kind === 'emailSend' ? await runReservedSend(deps, event) : await runDispatch(deps, event);
  logger.info('dispatched', { event, ...result });
  return result;
}).use(injectLambdaContext(logger));
