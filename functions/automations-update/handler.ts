import { apiHandler } from '#shared/http/api-handler';
import { updateAutomation } from '#shared/automations/automations';
import { viewOf } from '#shared/automations/model';
import { automationParams, updateAutomationBody } from '#shared/automations/schemas';

/** SPEC A1/A2: replace the content; only in draft or paused. */
export const handler = apiHandler({ params: automationParams, body: updateAutomationBody }, async ({ params, body, workspaceId, deps }) =>
  viewOf(await updateAutomation(deps, workspaceId, params.automationId, body)),
);
