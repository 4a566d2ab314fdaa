import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { limitParam, listIdParams, offsetParam, sortOrderParam, v2GroupResponse } from '#shared/http/v2-schemas';
import { pageGroups } from '#shared/lists/groups';
import { groupV2View } from '#shared/lists/views';

const query = z.object({ offset: offsetParam, limit: limitParam(20), sortBy: z.enum(['id', 'name']).default('id'), sortOrder: sortOrderParam });

/** GET /v2/lists/{id}/groups (the yml's getGroups). */
export const handler = apiHandler({ params: listIdParams, query, response: z.array(v2GroupResponse) }, async ({ params, query, workspaceId, deps }) =>
  (await pageGroups(deps, workspaceId, params.listId, query)).map(groupV2View),
);
