import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { createGroup } from '#shared/lists/groups';
import { groupBody } from '#shared/lists/schemas';
import { groupView } from '#shared/lists/views';

/** Creates a group in a list. */
export const handler = apiHandler({ params: listIdParams, body: groupBody }, async ({ params, body, workspaceId, deps }) =>
  groupView(await createGroup(deps, workspaceId, params.listId, body.name)),
);
