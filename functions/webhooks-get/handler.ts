import { apiHandler } from '#shared/http/api-handler';
import { getWebhook, webhookView } from '#shared/webhooks/model';
import { webhookParams } from '#shared/webhooks/schemas';

/** SPEC L10: one webhook. */
export const handler = apiHandler({ params: webhookParams }, async ({ params, workspaceId, deps }) =>
  webhookView(await getWebhook(deps, workspaceId, params.listId, params.webhookId)),
);
