import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { okText } from '#shared/http/v2-schemas';
import { updateList } from '#shared/lists/lists';
import { updateListBody } from '#shared/lists/schemas';

/** SPEC L11, the yml's updateList: only non-empty fields change → `ok`. */
export const handler = apiHandler({ params: listIdParams, body: updateListBody, response: okText }, async ({ params, body, workspaceId, deps }) => {
  await updateList(deps, workspaceId, params.listId, body);
});
