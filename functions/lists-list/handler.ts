import { apiHandler } from '#shared/http/api-handler';
import { listLists } from '#shared/lists/lists';
import { listView } from '#shared/lists/views';

/** SPEC L8: the workspace's lists. */
export const handler = apiHandler({}, async ({ workspaceId, deps }) => (await listLists(deps, workspaceId)).map(listView));
