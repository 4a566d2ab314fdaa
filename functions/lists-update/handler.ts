import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { updateList } from '#shared/lists/lists';
import { updateListBody } from '#shared/lists/schemas';
import { listView } from '#shared/lists/views';

/** SPEC L11: PUT /v2/lists/{id}; only non-empty fields change. */
export const handler = apiHandler({ params: listIdParams, body: updateListBody }, async ({ params, body, workspaceId, deps }) =>
  listView(await updateList(deps, workspaceId, params.listId, body)),
);
