import { apiHandler } from '#shared/http/api-handler';
import { getWebhook } from '#shared/webhooks/model';
import { webhookParams } from '#shared/webhooks/schemas';
import { pingWebhook } from '#shared/webhooks/worker';

/** SPEC L10: sends a signed PING now and answers how it went. */
export const handler = apiHandler({ params: webhookParams }, async ({ params, workspaceId, deps }) =>
  pingWebhook(deps, await getWebhook(deps, workspaceId, params.listId, params.webhookId)),
);
