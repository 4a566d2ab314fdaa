import { apiHandler } from '#shared/http/api-handler';
import { listConnections } from '#shared/integrations/connections';

/** SPEC I1: which providers the workspace is connected to (never a token, SPEC R3). */
export const handler = apiHandler({}, async ({ workspaceId, deps }) => listConnections(deps, workspaceId));
