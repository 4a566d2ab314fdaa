import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { deleteList } from '#shared/lists/lists';

/** Deletes a list with its groups and subscribers. */
export const handler = apiHandler({ params: listIdParams }, async ({ params, workspaceId, deps }) => {
  await deleteList(deps, workspaceId, params.listId);
  return { id: params.listId, deleted: true };
});
