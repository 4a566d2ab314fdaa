import { apiHandler } from '#shared/http/api-handler';
import { emailIdParams, idResponse } from '#shared/http/v2-schemas';
import { copyEmail } from '#shared/emails/emails';

/** POST /v2/emails/{id}/copy (the yml's copyEmail) → `{id}` of the new draft. */
export const handler = apiHandler({ params: emailIdParams, response: idResponse }, async ({ params, workspaceId, deps }) => ({
  id: (await copyEmail(deps, workspaceId, params.emailId)).emailId,
}));
