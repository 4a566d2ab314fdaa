import { apiHandler } from '#shared/http/api-handler';
import { queuePage } from '#shared/automations/queue';
import { automationParams, queueQuery } from '#shared/automations/schemas';

/** SPEC A5: a page of pending sends, by due time either way, optionally searched. */
export const handler = apiHandler({ params: automationParams, query: queueQuery }, async ({ params, query, workspaceId, deps }) =>
  queuePage(deps, workspaceId, params.automationId, query),
);
