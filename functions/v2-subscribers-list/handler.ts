import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { limitParam, listIdParams, offsetParam, v2SubscriberResponse } from '#shared/http/v2-schemas';
import { pageV2, parseStatuses } from '#shared/subscribers/v2';
import { v2ListFor } from '#shared/subscribers/v2-context';

const query = z.object({ statuses: z.string().max(200).optional(), offset: offsetParam, limit: limitParam(20) });

/** GET /v2/lists/{id}/subscribers (the yml's getSubscribers): statuses, offset, limit ≤ 1,000. */
export const handler = apiHandler({ params: listIdParams, query, response: z.array(v2SubscriberResponse) }, async ({ params, query, workspaceId, deps }) => {
  const ctx = await v2ListFor(deps, workspaceId, params.listId, 'read');
  return pageV2(deps, ctx, { statuses: parseStatuses(query.statuses), offset: query.offset, limit: query.limit });
});
