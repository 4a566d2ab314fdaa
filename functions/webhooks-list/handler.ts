import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { listWebhooks, webhookView } from '#shared/webhooks/model';

/** SPEC L10: webhooks of a list (secrets are never shown again). */
export const handler = apiHandler({ params: listIdParams }, async ({ params, workspaceId, deps }) =>
  (await listWebhooks(deps, workspaceId, params.listId)).map(webhookView),
);
