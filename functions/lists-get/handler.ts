import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { v2ListResponse } from '#shared/http/v2-schemas';
import { getList } from '#shared/lists/lists';
import { listV2View } from '#shared/lists/views';

/** SPEC L1, the yml's getList: one list with its settings (and our kind, fields and dates). */
export const handler = apiHandler({ params: listIdParams, response: v2ListResponse }, async ({ params, workspaceId, deps }) =>
  listV2View(await getList(deps, workspaceId, params.listId)),
);
