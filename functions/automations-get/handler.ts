import { apiHandler } from '#shared/http/api-handler';
import { findAutomation } from '#shared/automations/automations';
import { viewOf } from '#shared/automations/model';
import { automationParams } from '#shared/automations/schemas';

/** SPEC A1/A2: one automated email with its state. */
export const handler = apiHandler({ params: automationParams }, async ({ params, workspaceId, deps }) =>
  viewOf(await findAutomation(deps, workspaceId, params.automationId)),
);
