import { apiHandler } from '#shared/http/api-handler';
import { listApiKeys } from '#shared/workspaces/api-keys';

/** SPEC W2: the workspace's keys, without secrets. */
export const handler = apiHandler({}, async ({ workspaceId, deps }) => listApiKeys(deps, workspaceId));
