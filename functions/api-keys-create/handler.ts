import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { createApiKey } from '#shared/workspaces/api-keys';
import { v1CreatedApiKeyValue } from '#shared/http/v1-schemas';

const body = z.object({ name: z.string().max(100).default('') }).default({ name: '' });

/** SPEC W2: a new key; the secret is in this response and nowhere else, ever. */
export const handler = apiHandler({ body: body.optional(), response: v1CreatedApiKeyValue }, async ({ body, workspaceId, deps }) =>
  createApiKey(deps, workspaceId, body?.name ?? ''),
);
