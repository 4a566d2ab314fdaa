import { apiHandler } from '#shared/http/api-handler';
import { deleteWebhook } from '#shared/webhooks/model';
import { webhookParams } from '#shared/webhooks/schemas';

/** SPEC L10: delete a webhook; its pending deliveries are dropped. */
export const handler = apiHandler({ params: webhookParams }, async ({ params, workspaceId, deps }) => {
  await deleteWebhook(deps, workspaceId, params.listId, params.webhookId);
  return { id: params.webhookId, deleted: true };
});
