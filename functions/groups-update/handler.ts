import { apiHandler } from '#shared/http/api-handler';
import { groupParams } from '#shared/http/schemas';
import { renameGroup } from '#shared/lists/groups';
import { groupBody } from '#shared/lists/schemas';
import { groupView } from '#shared/lists/views';

/** Renames a group. */
export const handler = apiHandler({ params: groupParams, body: groupBody }, async ({ params, body, workspaceId, deps }) =>
  groupView(await renameGroup(deps, workspaceId, params.listId, params.groupId, body.name)),
);
