import { apiHandler } from '#shared/http/api-handler';
import { emailArrayBody, listIdParams } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { unsubscribeSubscribers } from '#shared/subscribers/bulk-actions';

/** SPEC L6: unsubscribe subscribers. */
export const handler = apiHandler({ params: listIdParams, body: emailArrayBody }, async ({ params, body, workspaceId, deps }) =>
  unsubscribeSubscribers(deps, await loadListContext(deps, workspaceId, params.listId), body),
);
