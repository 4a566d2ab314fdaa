import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { requestAutomatedEmail } from '#shared/automations/api-trigger';
import { apiTriggerBody, apiTriggerParams } from '#shared/automations/schemas';
import { isValidEmail, normalizeEmail } from '#shared/subscribers/email';

/** The original's answers, compared byte for byte by callers (issue 13). */
const text = (statusCode: number, body: string) => new RawResponse({ statusCode, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body });
const NOT_SUBSCRIBED_TEXT = '구독자 상태를 파악할 수 없습니다.';

/** SPEC A3a: the automated-email API. `ok` means accepted, not sent. */
export const handler = apiHandler({ params: apiTriggerParams, body: apiTriggerBody }, async ({ params, body, workspaceId, deps }) => {
  const { subscriber, ...vars } = body;
  const email = normalizeEmail(subscriber);
  if (!isValidEmail(email)) throw new ApiError('INVALID_REQUEST', 'subscriber: an email address');
  const outcome = await requestAutomatedEmail(deps, workspaceId, params.key, email, vars);
  return outcome === 'accepted' ? text(200, 'ok') : text(400, NOT_SUBSCRIBED_TEXT);
});
