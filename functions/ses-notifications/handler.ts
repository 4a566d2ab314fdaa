import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { verifySnsMessage, type SnsMessage } from '#shared/mail/sns-signature';
import { handleSesEvent } from '#shared/mail/bounces';

const text = (statusCode: number, body: string) =>
  new RawResponse({ statusCode, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body });

/**
 * SPEC M2: the HTTPS subscriber of the SES events topic. SNS posts JSON as text/plain; every
 * message's signature is checked before anything is done with it.
 */
export const handler = apiHandler({ public: true, rawBody: true }, async ({ event, deps }) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.body ?? '');
  } catch {
    throw new ApiError('INVALID_JSON');
  }
  // `null`, an array or a bare string is JSON but no SNS message: a bad request, not a crash.
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ApiError('INVALID_REQUEST', 'not an SNS message');
  const message = parsed as SnsMessage;
  if (!(await verifySnsMessage(message, deps.sns, deps.clock.now()))) return text(403, 'signature refused');
  if (deps.sesEventsTopicArn && message.TopicArn !== deps.sesEventsTopicArn) return text(403, 'unexpected topic');
  if (message.Type === 'SubscriptionConfirmation' && message.SubscribeURL) {
    await deps.sns.confirmSubscription(message.SubscribeURL);
    return text(200, 'subscribed');
  }
  if (message.Type !== 'Notification') return text(200, 'ignored');
  const outcome = await handleSesEvent(deps, message.Message);
  return text(200, outcome.kind);
});
