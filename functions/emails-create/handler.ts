import { apiHandler } from '#shared/http/api-handler';
import { idResponse, v2CreateEmailBody } from '#shared/http/v2-schemas';
import { ApiError } from '#shared/http/errors';
import { createEmail } from '#shared/emails/emails';
import { REGULAR_EMAIL_TYPE } from '#shared/emails/model';

/** POST /v2/emails (the yml's createEmail): a draft regular email → `{id}`. */
export const handler = apiHandler({ body: v2CreateEmailBody, response: idResponse }, async ({ body, workspaceId, deps }) => {
  if (body.type !== undefined && body.type !== REGULAR_EMAIL_TYPE) throw new ApiError('EMAIL_NOT_NORMAL', `type=${body.type}`);
  return { id: (await createEmail(deps, workspaceId, body)).emailId };
});
