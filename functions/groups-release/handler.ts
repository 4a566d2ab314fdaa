import { apiHandler } from '#shared/http/api-handler';
import { emailArrayBody, groupParams } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { releaseGroup } from '#shared/subscribers/bulk-actions';

/** SPEC L7: group release. */
export const handler = apiHandler({ params: groupParams, body: emailArrayBody }, async ({ params, body, workspaceId, deps }) =>
  releaseGroup(deps, await loadListContext(deps, workspaceId, params.listId), params.groupId, body),
);
