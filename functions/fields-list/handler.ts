import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { listFields } from '#shared/lists/field-management';

/** SPEC L2: custom fields of a list. */
export const handler = apiHandler({ params: listIdParams }, async ({ params, workspaceId, deps }) =>
  listFields(deps, workspaceId, params.listId),
);
