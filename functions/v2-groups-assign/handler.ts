import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { groupParams } from '#shared/http/schemas';
import { okText } from '#shared/http/v2-schemas';
import { assignGroup } from '#shared/subscribers/bulk-actions';
import { v2ListFor } from '#shared/subscribers/v2-context';

/** POST /v2/lists/{id}/groups/{groupId}/assign (the yml's assignGroup): `{subscriber}` → `ok`; an assigned one again is ok too. */
export const handler = apiHandler(
  { params: groupParams, body: z.object({ subscriber: z.string().max(320) }), response: okText },
  async ({ params, body, workspaceId, deps }) => {
    const ctx = await v2ListFor(deps, workspaceId, params.listId, 'read');
    const { fail } = await assignGroup(deps, ctx, params.groupId, [body.subscriber]);
    if (fail.length) throw new ApiError('SUBSCRIBER_NOT_FOUND');
  },
);
