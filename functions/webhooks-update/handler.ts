import { apiHandler } from '#shared/http/api-handler';
import { updateWebhook, webhookView } from '#shared/webhooks/model';
import { webhookParams, webhookPatch } from '#shared/webhooks/schemas';

/** SPEC L10: edit name, URL or events. */
export const handler = apiHandler({ params: webhookParams, body: webhookPatch }, async ({ params, body, workspaceId, deps }) =>
  webhookView(await updateWebhook(deps, workspaceId, params.listId, params.webhookId, body)),
);
