import { apiHandler } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { emailIdParams, okText } from '#shared/http/v2-schemas';
import { setContent } from '#shared/emails/emails';

/** POST /v2/emails/{id}/content (the yml's updateEmailContent): a `text/html` body, a draft only → `ok`. */
export const handler = apiHandler({ params: emailIdParams, rawBody: true, html: { request: true }, response: okText }, async ({ params, event, workspaceId, deps }) => {
  const type = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  // The yml says text/html; a client that sends no type, or text/plain, means the same text.
  if (type && !/^text\/(html|plain)\b/i.test(type.trim())) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type: text/html');
  await setContent(deps, workspaceId, params.emailId, event.body ?? '');
});
