import { apiHandler } from '#shared/http/api-handler';
import { emailIdParams, okText } from '#shared/http/v2-schemas';
import { sendNow } from '#shared/emails/send';

/** POST /v2/emails/{id}/send (the yml's sendEmail): the send starts (status 21, then 22, then 3) → `ok`. */
export const handler = apiHandler({ params: emailIdParams, response: okText }, async ({ params, workspaceId, deps }) => {
  await sendNow(deps, workspaceId, params.emailId);
});
