import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { numericId } from '#shared/http/schemas';
import { deleteField } from '#shared/lists/field-management';
import { fieldTagSchema } from '#shared/lists/fields';

/** SPEC L2: removes a custom field (never `email`). */
export const handler = apiHandler(
  { params: z.object({ listId: numericId, tag: fieldTagSchema }) },
  async ({ params, workspaceId, deps }) => deleteField(deps, workspaceId, params.listId, params.tag),
);
