import { apiHandler } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { requestAutomatedEmail } from '#shared/automations/api-trigger';
import { apiTriggerBody, apiTriggerParams } from '#shared/automations/schemas';
import { isValidEmail, normalizeEmail } from '#shared/subscribers/email';

/** SPEC A3a: the automated-email API. Done means accepted, not sent; the text answers are its convention's (shared/http/conventions/a3a.ts). */
export const handler = apiHandler({ params: apiTriggerParams, body: apiTriggerBody }, async ({ params, body, workspaceId, deps }) => {
  const { subscriber, ...vars } = body;
  const email = normalizeEmail(subscriber);
  if (!isValidEmail(email)) throw new ApiError('INVALID_REQUEST', 'subscriber: an email address');
  await requestAutomatedEmail(deps, workspaceId, params.key, email, vars);
});
