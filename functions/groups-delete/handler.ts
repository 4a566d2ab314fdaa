import { apiHandler } from '#shared/http/api-handler';
import { groupParams } from '#shared/http/schemas';
import { deleteGroup } from '#shared/lists/groups';

/** Deletes a group; its members stay in the list, released from it. */
export const handler = apiHandler({ params: groupParams }, async ({ params, workspaceId, deps }) => {
  await deleteGroup(deps, workspaceId, params.listId, params.groupId);
  return { id: params.groupId, deleted: true };
});
