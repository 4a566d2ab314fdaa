import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { groupParams } from '#shared/http/schemas';
import { okText } from '#shared/http/v2-schemas';
import { releaseGroup } from '#shared/subscribers/bulk-actions';
import { v2ListFor } from '#shared/subscribers/v2-context';

/** POST /v2/lists/{id}/groups/{groupId}/release (the yml's releaseGroup): `ok`, also for an unassigned subscriber or a missing group. */
export const handler = apiHandler(
  { params: groupParams, body: z.object({ subscriber: z.string().max(320) }), response: okText },
  async ({ params, body, workspaceId, deps }) => {
    const ctx = await v2ListFor(deps, workspaceId, params.listId, 'read');
    if (ctx.groups.has(params.groupId)) await releaseGroup(deps, ctx, params.groupId, [body.subscriber]);
  },
);
