import { apiHandler } from '#shared/http/api-handler';
import { startConnection } from '#shared/integrations/oauth-flow';
import { providerParams } from '#shared/integrations/schemas';

/**
 * SPEC I1: a one-time `state` and the URL to open in the user's browser (`authorizeUrl`: our
 * start endpoint, which binds the flow to that browser and redirects to the provider; issue 14).
 */
export const handler = apiHandler({ params: providerParams }, async ({ params, workspaceId, deps }) =>
  startConnection(deps, workspaceId, params.provider),
);
