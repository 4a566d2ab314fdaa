import { apiHandler } from '#shared/http/api-handler';
import { groupParams } from '#shared/http/schemas';
import { okText } from '#shared/http/v2-schemas';
import { deleteGroup } from '#shared/lists/groups';

/** The yml's deleteGroup: its members stay in the list, released from it → `ok`. */
export const handler = apiHandler({ params: groupParams, response: okText }, async ({ params, workspaceId, deps }) => {
  await deleteGroup(deps, workspaceId, params.listId, params.groupId);
});
