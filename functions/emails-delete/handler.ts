import { apiHandler } from '#shared/http/api-handler';
import { emailIdParams, okText } from '#shared/http/v2-schemas';
import { deleteEmail } from '#shared/emails/emails';

/** DELETE /v2/emails/{id} (the yml's deleteEmail) → `ok`; not while it is being sent. */
export const handler = apiHandler({ params: emailIdParams, response: okText }, async ({ params, workspaceId, deps }) => {
  await deleteEmail(deps, workspaceId, params.emailId);
});
