import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { listIdParams, okText } from '#shared/http/v2-schemas';
import { deleteSubscribers } from '#shared/subscribers/bulk-actions';
import { V2_DELETE_MAX } from '#shared/subscribers/v2';
import { v2ListFor } from '#shared/subscribers/v2-context';

const body = z.object({ subscribers: z.array(z.string().max(320)) });

/** DELETE /v2/lists/{id}/subscribers (the yml's deleteSubscribers): at most 100 emails → `ok`. */
export const handler = apiHandler({ params: listIdParams, body, response: okText }, async ({ params, body, workspaceId, deps }) => {
  if (body.subscribers.length > V2_DELETE_MAX) throw new ApiError('SUBSCRIBERS_DELETE_LIMIT', `${body.subscribers.length}`);
  await deleteSubscribers(deps, await v2ListFor(deps, workspaceId, params.listId, 'change'), body.subscribers);
});
