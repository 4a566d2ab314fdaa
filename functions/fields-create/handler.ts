import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { addField } from '#shared/lists/field-management';
import { fieldSchema } from '#shared/lists/schemas';

/** SPEC L2: adds a custom field; its tag must be new in the list. */
export const handler = apiHandler({ params: listIdParams, body: fieldSchema }, async ({ params, body, workspaceId, deps }) =>
  addField(deps, workspaceId, params.listId, body),
);
