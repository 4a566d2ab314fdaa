import { apiHandler } from '#shared/http/api-handler';
import { listApiKeys } from '#shared/workspaces/api-keys';
import { v1ApiKeysValue } from '#shared/http/v1-schemas';

/** SPEC W2: the workspace's keys, without secrets. */
export const handler = apiHandler({ response: v1ApiKeysValue }, async ({ workspaceId, deps }) => listApiKeys(deps, workspaceId));
