import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { listIdParams, numericId } from '#shared/http/schemas';
import { loadListContext } from '#shared/lists/model';
import { pageSubscribers } from '#shared/subscribers/queries';
import { v1Statuses } from '#shared/subscribers/status';

const query = z.object({
  status: z.enum(v1Statuses).optional(),
  groupId: numericId.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(1000).optional(),
});

/** SPEC L8: subscribers, newest first, paged by cursor, filterable by status and group. */
export const handler = apiHandler({ params: listIdParams, query }, async ({ params, query, workspaceId, deps }) =>
  pageSubscribers(deps, await loadListContext(deps, workspaceId, params.listId), query),
);
