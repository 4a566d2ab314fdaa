import { apiHandler } from '#shared/http/api-handler';
import { emailListBody, listIdParams } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { assertAcceptsSubscriberChanges } from '#shared/lists/linked';
import { unsubscribeSubscribers } from '#shared/subscribers/bulk-actions';

/** SPEC L6: unsubscribe subscribers. */
export const handler = apiHandler({ params: listIdParams, body: emailListBody }, async ({ params, body, workspaceId, deps }) => {
  const ctx = await loadListContext(deps, workspaceId, params.listId);
  assertAcceptsSubscriberChanges(ctx.list);
  return unsubscribeSubscribers(deps, ctx, body);
});
