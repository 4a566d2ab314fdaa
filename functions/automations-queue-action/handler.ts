import { apiHandler } from '#shared/http/api-handler';
import { removeFromQueue, sendNow } from '#shared/automations/queue';
import { queueActionParams, queueSelectionBody } from '#shared/automations/schemas';

/** SPEC A5: send the selected pending sends now, or remove them (which cancels them). */
export const handler = apiHandler({ params: queueActionParams, body: queueSelectionBody }, async ({ params, body, workspaceId, deps }) =>
  params.operation === 'send' ? sendNow(deps, workspaceId, params.automationId, body) : removeFromQueue(deps, workspaceId, params.automationId, body),
);
