import { apiHandler } from '#shared/http/api-handler';
import { listAutomations } from '#shared/automations/automations';
import { viewOf } from '#shared/automations/model';
import { listAutomationsQuery } from '#shared/automations/schemas';

/** SPEC A1: the workspace's automated emails, or one list's (`?listId=`). */
export const handler = apiHandler({ query: listAutomationsQuery }, async ({ query, workspaceId, deps }) =>
  (await listAutomations(deps, workspaceId, query.listId)).map(viewOf),
);
