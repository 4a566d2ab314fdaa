import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { listIdParams, numericId } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { subscribe } from '#shared/subscribers/subscribe';
import { assertAcceptsAdds } from '#shared/lists/linked';
import { v1SubscribeValue } from '#shared/http/v1-schemas';

const eventOccurredBy = z.enum(['MANUAL', 'SUBSCRIBER']);

const request = z
  .object({
    eventOccurredBy: eventOccurredBy.optional(),
    // The old spelling, still sent by many callers (issue 13); the correct one wins when both are there.
    eventOccuredBy: eventOccurredBy.optional(),
    confirmEmailYN: z.enum(['Y', 'N']).default('N'),
    // null means none, as callers' typed clients send an absent list (issue 13); ids as strings or numbers.
    groupIds: z.array(numericId).nullish().transform((ids) => ids ?? []),
    // Rows stay open: a value that does not fit its field lands the row in failValidation (issue 13),
    // decided before any write (issue 14); depth is bounded at the JSON boundary.
    subscribers: z.array(z.record(z.string(), z.unknown())),
  })
  .transform(({ eventOccurredBy: correct, eventOccuredBy: old, ...rest }) => ({ ...rest, eventOccurredBy: correct ?? old ?? 'MANUAL' }));

/** SPEC L4: the seed shows the body both bare and wrapped in a one-element array; both are accepted. */
const body = z.union([request, z.tuple([request])]).transform((b) => (Array.isArray(b) ? b[0] : b));

export const handler = apiHandler({ params: listIdParams, body, response: v1SubscribeValue }, async ({ params, body, workspaceId, deps }) => {
  const ctx = await loadListContext(deps, workspaceId, params.listId);
  assertAcceptsAdds(ctx.list);
  return subscribe(deps, ctx, body);
});
