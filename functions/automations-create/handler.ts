import { apiHandler } from '#shared/http/api-handler';
import { createAutomation } from '#shared/automations/automations';
import { viewOf } from '#shared/automations/model';
import { createAutomationBody } from '#shared/automations/schemas';

/** SPEC A1: a new automated email of a list, in draft. */
export const handler = apiHandler({ body: createAutomationBody, successStatus: 201 }, async ({ body, workspaceId, deps }) => {
  const { listId, ...content } = body;
  return viewOf(await createAutomation(deps, workspaceId, listId, content));
});
