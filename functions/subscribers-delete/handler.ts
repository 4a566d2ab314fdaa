import { apiHandler } from '#shared/http/api-handler';
import { emailArrayBody, listIdParams } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { deleteSubscribers } from '#shared/subscribers/bulk-actions';

/** SPEC L5: delete subscribers for good. */
export const handler = apiHandler({ params: listIdParams, body: emailArrayBody }, async ({ params, body, workspaceId, deps }) =>
  deleteSubscribers(deps, await loadListContext(deps, workspaceId, params.listId), body),
);
