import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { listGroups } from '#shared/lists/groups';
import { v1CollectionQuery } from '#shared/lists/schemas';
import { pageRows, v1GroupRow } from '#shared/lists/views';
import { v1CollectionValue } from '#shared/http/v1-schemas';

/** SPEC L8, 그룹 조회 (reference/api-webhook_list-api_2024-04-18.md): groups of a list, sorted and paged; null when none. */
export const handler = apiHandler({ params: listIdParams, query: v1CollectionQuery, response: v1CollectionValue }, async ({ params, query, workspaceId, deps }) =>
  pageRows((await listGroups(deps, workspaceId, params.listId)).map(v1GroupRow), query),
);
