import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { deleteApiKey } from '#shared/workspaces/api-keys';

/** SPEC W2: deletes a key; requests with it are refused from now on. */
export const handler = apiHandler({ params: z.object({ keyId: z.string().regex(/^[a-z0-9]{1,40}$/) }) }, async ({ params, workspaceId, deps }) => {
  await deleteApiKey(deps, workspaceId, params.keyId);
  return { keyId: params.keyId, deleted: true };
});
