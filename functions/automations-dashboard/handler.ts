import { apiHandler } from '#shared/http/api-handler';
import { dashboard } from '#shared/automations/dashboard';
import { automationParams } from '#shared/automations/schemas';

/** SPEC A7: the automated email's figures. */
export const handler = apiHandler({ params: automationParams }, async ({ params, workspaceId, deps }) =>
  dashboard(deps, workspaceId, params.automationId),
);
