import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { createWebhook, webhookView } from '#shared/webhooks/model';
import { webhookBody } from '#shared/webhooks/schemas';

/** SPEC L10: a new webhook; its signing secret is in this answer only. */
export const handler = apiHandler({ params: listIdParams, body: webhookBody }, async ({ params, body, workspaceId, deps }) => {
  const hook = await createWebhook(deps, workspaceId, params.listId, body);
  return { ...webhookView(hook), secret: hook.secret };
});
