import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { okText } from '#shared/http/v2-schemas';
import { deleteList } from '#shared/lists/lists';

/** The yml's deleteList: the list with its groups, senders, subscribers and automated emails → `ok`. */
export const handler = apiHandler({ params: listIdParams, response: okText }, async ({ params, workspaceId, deps }) => {
  await deleteList(deps, workspaceId, params.listId);
});
