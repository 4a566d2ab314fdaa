import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { countByStatus } from '#shared/subscribers/queries';

/** SPEC L8: subscriber counts by status. */
export const handler = apiHandler({ params: listIdParams }, async ({ params, workspaceId, deps }) =>
  countByStatus(deps, await loadListContext(deps, workspaceId, params.listId)),
);
