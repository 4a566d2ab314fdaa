import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { numericId } from '#shared/http/schemas';
import { updateField } from '#shared/lists/field-management';
import { fieldTagSchema } from '#shared/lists/fields';
import { fieldPatchBody } from '#shared/lists/schemas';

/** SPEC L2: relabels or retypes a field (number and date types never change type). */
export const handler = apiHandler(
  { params: z.object({ listId: numericId, tag: fieldTagSchema }), body: fieldPatchBody },
  async ({ params, body, workspaceId, deps }) => updateField(deps, workspaceId, params.listId, params.tag, body),
);
