import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { listGroups } from '#shared/lists/groups';
import { groupView } from '#shared/lists/views';

/** SPEC L8: groups of a list in creation order. */
export const handler = apiHandler({ params: listIdParams }, async ({ params, workspaceId, deps }) =>
  (await listGroups(deps, workspaceId, params.listId)).map(groupView),
);
