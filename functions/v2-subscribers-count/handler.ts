import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/v2-schemas';
import { countV2, parseStatuses } from '#shared/subscribers/v2';
import { v2ListFor } from '#shared/subscribers/v2-context';

/** GET /v2/lists/{id}/subscribers/count (the yml's getSubscriberCount) → `{total}`. */
export const handler = apiHandler(
  { params: listIdParams, query: z.object({ statuses: z.string().max(200).optional() }), response: z.object({ total: z.number().int() }) },
  async ({ params, query, workspaceId, deps }) => countV2(deps, await v2ListFor(deps, workspaceId, params.listId, 'read'), parseStatuses(query.statuses)),
);
