import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { confirmUrl, receiveCallback } from '#shared/integrations/oauth-flow';
import { bindingCookieName, readCookie } from '#shared/integrations/browser-binding';
import { consentPage, failedPage } from '#shared/integrations/pages';
import { providerParams } from '#shared/integrations/schemas';

const query = z.object({
  state: z.string().max(200).default(''),
  code: z.string().max(2048).optional(),
  error: z.string().max(200).optional(),
});

/**
 * SPEC I1: where the provider sends the user back (public: a browser, no AccessToken). Only in
 * the browser that started the flow (issue 14): the code is exchanged and the page asks the user
 * to confirm the workspace it names; nothing is connected yet.
 */
export const handler = apiHandler({ public: true, params: providerParams, query }, async ({ params, query, deps, event }) => {
  try {
    const view = await receiveCallback(deps, params.provider, query, readCookie(event.headers, bindingCookieName(params.provider)));
    return new RawResponse(consentPage(view, confirmUrl(deps, params.provider)));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return new RawResponse(failedPage(params.provider, error));
  }
});
