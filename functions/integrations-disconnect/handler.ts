import { apiHandler } from '#shared/http/api-handler';
import { disconnect } from '#shared/integrations/connections';
import { providerParams } from '#shared/integrations/schemas';

/** SPEC I1 (연동 해제): the tokens are forgotten; linked lists stay, their imports wait for a new connection. */
export const handler = apiHandler({ params: providerParams }, async ({ params, workspaceId, deps }) => {
  await disconnect(deps, workspaceId, params.provider);
  return { provider: params.provider, connected: false };
});
