import { apiHandler } from '#shared/http/api-handler';
import { groupParams } from '#shared/http/schemas';
import { okText } from '#shared/http/v2-schemas';
import { renameGroup } from '#shared/lists/groups';
import { groupBody } from '#shared/lists/schemas';

/** The yml's updateGroup: a new name → `ok`. */
export const handler = apiHandler({ params: groupParams, body: groupBody, response: okText }, async ({ params, body, workspaceId, deps }) => {
  await renameGroup(deps, workspaceId, params.listId, params.groupId, body.name);
});
