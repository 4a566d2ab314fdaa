import { apiHandler } from '#shared/http/api-handler';
import { emailIdParams, v2EmailResponse } from '#shared/http/v2-schemas';
import { findEmail, readFigures } from '#shared/emails/emails';
import { emailV2View, EmailStatus } from '#shared/emails/model';

/** GET /v2/emails/{id} (the yml's getEmail); a send's figures (queued, sent, failed, ...) as `sendProgress` once it started. */
export const handler = apiHandler({ params: emailIdParams, response: v2EmailResponse }, async ({ params, workspaceId, deps }) => {
  const email = await findEmail(deps, workspaceId, params.emailId);
  const started = email.status !== EmailStatus.draft && email.status !== EmailStatus.reserved;
  return emailV2View(email, started ? await readFigures(deps, email.emailId) : undefined);
});
