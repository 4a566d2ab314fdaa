import { apiHandler } from '#shared/http/api-handler';
import { createList } from '#shared/lists/lists';
import { createListBody } from '#shared/lists/schemas';
import { listView } from '#shared/lists/views';

/** SPEC L1/L11: a new standard list; `email` and `name` fields unless `fields` says otherwise. */
export const handler = apiHandler({ body: createListBody }, async ({ body, workspaceId, deps }) =>
  listView(await createList(deps, workspaceId, body)),
);
