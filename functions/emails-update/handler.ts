import { apiHandler } from '#shared/http/api-handler';
import { emailIdParams, okText, v2EmailSettingsBody } from '#shared/http/v2-schemas';
import { updateEmail } from '#shared/emails/emails';

/** PUT /v2/emails/{id} (the yml's updateEmail): a draft's settings → `ok`. */
export const handler = apiHandler({ params: emailIdParams, body: v2EmailSettingsBody, response: okText }, async ({ params, body, workspaceId, deps }) => {
  await updateEmail(deps, workspaceId, params.emailId, body);
});
