import { apiHandler } from '#shared/http/api-handler';
import { idResponse, listIdParams } from '#shared/http/v2-schemas';
import { copyList } from '#shared/lists/lists';

/** POST /v2/lists/{id}/copy (the yml's copyList) → `{id}` of the new list. */
export const handler = apiHandler({ params: listIdParams, response: idResponse }, async ({ params, workspaceId, deps }) => ({
  id: (await copyList(deps, workspaceId, params.listId)).listId,
}));
