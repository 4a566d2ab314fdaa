import { apiHandler } from '#shared/http/api-handler';
import { updateWebhook, webhookView } from '#shared/webhooks/model';
import { webhookParams } from '#shared/webhooks/schemas';

/** SPEC L10: enables the webhook. */
export const handler = apiHandler({ params: webhookParams }, async ({ params, workspaceId, deps }) =>
  webhookView(await updateWebhook(deps, workspaceId, params.listId, params.webhookId, { enabled: true })),
);
