import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { idResponse } from '#shared/http/v2-schemas';
import { createGroup } from '#shared/lists/groups';
import { groupBody } from '#shared/lists/schemas';

/** The yml's createGroup → `{id}`; AlreadyExistGroup, TooManyGroups. */
export const handler = apiHandler({ params: listIdParams, body: groupBody, response: idResponse }, async ({ params, body, workspaceId, deps }) => ({
  id: (await createGroup(deps, workspaceId, params.listId, body.name)).groupId,
}));
