import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { deleteApiKey } from '#shared/workspaces/api-keys';
import { v1DeletedApiKeyValue } from '#shared/http/v1-schemas';

/** SPEC W2: deletes a key; requests with it are refused from now on. */
export const handler = apiHandler({ params: z.object({ keyId: z.string().regex(/^[a-z0-9]{1,40}$/) }), response: v1DeletedApiKeyValue }, async ({ params, workspaceId, deps }) => {
  await deleteApiKey(deps, workspaceId, params.keyId);
  return { keyId: params.keyId, deleted: true };
});
