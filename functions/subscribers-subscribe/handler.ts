import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { fieldValues, listIdParams, numericId } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { subscribe } from '#shared/subscribers/subscribe';
import { assertAcceptsAdds } from '#shared/lists/linked';

const request = z.object({
  eventOccurredBy: z.enum(['MANUAL', 'SUBSCRIBER']).default('MANUAL'),
  confirmEmailYN: z.enum(['Y', 'N']).default('N'),
  groupIds: z.array(numericId).default([]),
  subscribers: z.array(fieldValues),
});

/** SPEC L4: the seed shows the body both bare and wrapped in a one-element array; both are accepted. */
const body = z.union([request, z.tuple([request])]).transform((b) => (Array.isArray(b) ? b[0] : b));

export const handler = apiHandler({ params: listIdParams, body }, async ({ params, body, workspaceId, deps }) => {
  const ctx = await loadListContext(deps, workspaceId, params.listId);
  assertAcceptsAdds(ctx.list);
  return subscribe(deps, ctx, body);
});
