import { apiHandler } from '#shared/http/api-handler';
import { startConnection } from '#shared/integrations/connections';
import { providerParams } from '#shared/integrations/schemas';

/** SPEC I1: a one-time `state` and the provider's authorize URL to open in the user's browser. */
export const handler = apiHandler({ params: providerParams }, async ({ params, workspaceId, deps }) =>
  startConnection(deps, workspaceId, params.provider),
);
