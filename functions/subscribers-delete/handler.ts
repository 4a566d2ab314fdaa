import { apiHandler } from '#shared/http/api-handler';
import { emailListBody, listIdParams } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { assertAcceptsSubscriberChanges } from '#shared/lists/linked';
import { deleteSubscribers } from '#shared/subscribers/bulk-actions';
import { v1SuccessFailValue } from '#shared/http/v1-schemas';

/** SPEC L5: delete subscribers for good. */
export const handler = apiHandler({ params: listIdParams, body: emailListBody, response: v1SuccessFailValue }, async ({ params, body, workspaceId, deps }) => {
  const ctx = await loadListContext(deps, workspaceId, params.listId);
  assertAcceptsSubscriberChanges(ctx.list);
  return deleteSubscribers(deps, ctx, body);
});
