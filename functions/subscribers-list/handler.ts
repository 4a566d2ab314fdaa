import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { listIdParams, numericId } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { v1PagingQuery } from '#shared/lists/schemas';
import { filterQuery, listSubscribers, toFilter, v1SubscriberRow } from '#shared/subscribers/lookups';
import { v1SubscriberRowValue } from '#shared/http/v1-schemas';

const query = z.object({ ...filterQuery, ...v1PagingQuery, groupId: numericId.optional() });

/**
 * SPEC L8, 구독자 목록 조회 (reference/api-webhook_list-api_2024-04-18.md): an array of rows,
 * offset/limit (≤ 1,000) paged; `groupId` is our extra filter.
 */
export const handler = apiHandler({ params: listIdParams, query, response: v1SubscriberRowValue }, async ({ params, query, workspaceId, deps }) => {
  const ctx = await loadListContext(deps, workspaceId, params.listId);
  const rows = await listSubscribers(deps, ctx, { ...toFilter(query), offset: query.offset, limit: query.limit, ...(query.groupId ? { groupId: query.groupId } : {}) });
  return rows.map((r) => v1SubscriberRow(r, ctx.list.fields));
});
