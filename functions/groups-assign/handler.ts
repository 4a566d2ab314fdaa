import { apiHandler } from '#shared/http/api-handler';
import { emailArrayBody, groupParams } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { assignGroup } from '#shared/subscribers/bulk-actions';
import { v1SuccessFailValue } from '#shared/http/v1-schemas';

/** SPEC L7: group assign. */
export const handler = apiHandler({ params: groupParams, body: emailArrayBody, response: v1SuccessFailValue }, async ({ params, body, workspaceId, deps }) =>
  assignGroup(deps, await loadListContext(deps, workspaceId, params.listId), params.groupId, body),
);
