import { apiHandler } from '#shared/http/api-handler';
import { createList } from '#shared/lists/lists';
import { createListBody } from '#shared/lists/schemas';
import { idResponse } from '#shared/http/v2-schemas';

/** SPEC L1/L11, the yml's createList: the five required fields (and our `fields`, `kind`) → `{id}`. */
export const handler = apiHandler({ body: createListBody, response: idResponse }, async ({ body, workspaceId, deps }) => ({
  id: (await createList(deps, workspaceId, body)).listId,
}));
