import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { countSubscribers, filterQuery, toFilter } from '#shared/subscribers/lookups';
import { v1CountValue } from '#shared/http/v1-schemas';

const query = z.object(filterQuery);

/** SPEC L8, 구독자 숫자 조회 (reference/api-webhook_list-api_2024-04-18.md): an integer. */
export const handler = apiHandler({ params: listIdParams, query, response: v1CountValue }, async ({ params, query, workspaceId, deps }) =>
  countSubscribers(deps, await loadListContext(deps, workspaceId, params.listId), toFilter(query)),
);
