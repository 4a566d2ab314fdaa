import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { getList } from '#shared/lists/lists';
import { listView } from '#shared/lists/views';

/** SPEC L1: one list with its settings and fields. */
export const handler = apiHandler({ params: listIdParams }, async ({ params, workspaceId, deps }) =>
  listView(await getList(deps, workspaceId, params.listId)),
);
