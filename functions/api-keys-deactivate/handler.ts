import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { setApiKeyStatus } from '#shared/workspaces/api-keys';
import { v1ApiKeyValue } from '#shared/http/v1-schemas';

/** SPEC W2: a key becomes inactive at once (the authorizer reads it consistently). */
export const handler = apiHandler({ params: z.object({ keyId: z.string().regex(/^[a-z0-9]{1,40}$/) }), response: v1ApiKeyValue }, async ({ params, workspaceId, deps }) =>
  setApiKeyStatus(deps, workspaceId, params.keyId, 'inactive'),
);
