import { apiHandler } from '#shared/http/api-handler';
import { deleteAutomation } from '#shared/automations/automations';
import { automationParams } from '#shared/automations/schemas';

/** SPEC A2: delete an automated email that is not running, with its queue and schedules. */
export const handler = apiHandler({ params: automationParams }, async ({ params, workspaceId, deps }) => {
  await deleteAutomation(deps, workspaceId, params.automationId);
  return 'ok';
});
