import { apiHandler } from '#shared/http/api-handler';
import { emailListBody, listIdParams } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { assertAcceptsSubscriberChanges } from '#shared/lists/linked';
import { unsubscribeSubscribers } from '#shared/subscribers/bulk-actions';
import { v1UnsubscribeValue } from '#shared/http/v1-schemas';

/** SPEC L6: unsubscribe subscribers. */
export const handler = apiHandler({ params: listIdParams, body: emailListBody, response: v1UnsubscribeValue }, async ({ params, body, workspaceId, deps }) => {
  const ctx = await loadListContext(deps, workspaceId, params.listId);
  assertAcceptsSubscriberChanges(ctx.list);
  return unsubscribeSubscribers(deps, ctx, body);
});
