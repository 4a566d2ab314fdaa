import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { emailIdParams } from '#shared/http/v2-schemas';
import { getContent } from '#shared/emails/emails';

/** GET /v2/emails/{id}/content (the yml's getEmailContent): the HTML as saved (text/html). */
export const handler = apiHandler({ params: emailIdParams, html: { response: true } }, async ({ params, workspaceId, deps }) => {
  const html = await getContent(deps, workspaceId, params.emailId);
  return new RawResponse({ statusCode: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: html });
});
