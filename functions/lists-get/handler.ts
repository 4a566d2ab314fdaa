import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { v2ListResponse } from '#shared/http/v2-schemas';
import { getList } from '#shared/lists/lists';
import { listV2View } from '#shared/lists/views';
import { formUrls } from '#shared/forms/form';

/** SPEC L1, the yml's getList: one list with its settings (and our kind, fields and dates). */
export const handler = apiHandler({ params: listIdParams, response: v2ListResponse }, async ({ params, workspaceId, deps }) =>
  // Issue 15: where the list's form is (the hosted page) and where embedded forms post.
  ({ ...listV2View(await getList(deps, workspaceId, params.listId)), ...formUrls(deps, params.listId) }),
);
