import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { updateList } from '#shared/lists/lists';
import { updateListBody } from '#shared/lists/schemas';

/**
 * SPEC L11: PUT /v2/lists/{id} as the public v2 API defines it: only non-empty fields change,
 * and success is answered `ok` as text/plain. Errors keep the envelope.
 */
export const handler = apiHandler({ params: listIdParams, body: updateListBody }, async ({ params, body, workspaceId, deps }) => {
  await updateList(deps, workspaceId, params.listId, body);
  return new RawResponse({ statusCode: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'ok' });
});
