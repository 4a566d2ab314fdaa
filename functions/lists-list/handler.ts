import { apiHandler } from '#shared/http/api-handler';
import { listLists } from '#shared/lists/lists';
import { v1CollectionQuery } from '#shared/lists/schemas';
import { pageRows, v1ListRow } from '#shared/lists/views';
import { v1CollectionValue } from '#shared/http/v1-schemas';

/** SPEC L8, 주소록 조회 (reference/api-webhook_list-api_2024-04-18.md): the workspace's lists, sorted and paged; null when none. */
export const handler = apiHandler({ query: v1CollectionQuery, response: v1CollectionValue }, async ({ query, workspaceId, deps }) =>
  pageRows((await listLists(deps, workspaceId)).map(v1ListRow), query),
);
