import { apiHandler } from '#shared/http/api-handler';
import { listDeliveries } from '#shared/webhooks/model';
import { webhookParams } from '#shared/webhooks/schemas';

/** SPEC L10: the last 100 delivery attempts, newest first (status, latency, error). */
export const handler = apiHandler({ params: webhookParams }, async ({ params, workspaceId, deps }) =>
  listDeliveries(deps, workspaceId, params.listId, params.webhookId),
);
