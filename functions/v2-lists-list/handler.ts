import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { limitParam, offsetParam, sortOrderParam, v2ListResponse } from '#shared/http/v2-schemas';
import { pageLists } from '#shared/lists/lists';
import { listV2View } from '#shared/lists/views';

const query = z.object({ offset: offsetParam, limit: limitParam(20), sortOrder: sortOrderParam });

/** GET /v2/lists (the yml's getLists): the workspace's lists by id, newest first by default. */
export const handler = apiHandler({ query, response: z.array(v2ListResponse) }, async ({ query, workspaceId, deps }) =>
  (await pageLists(deps, workspaceId, query)).map(listV2View),
);
