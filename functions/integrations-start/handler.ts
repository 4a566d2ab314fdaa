import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { BINDING_COOKIE_SECONDS, bindBrowser } from '#shared/integrations/oauth-flow';
import { bindingCookie, bindingCookieName, readCookie } from '#shared/integrations/browser-binding';
import { failedPage, flowHeaders } from '#shared/integrations/pages';
import { providerParams } from '#shared/integrations/schemas';

const query = z.object({ state: z.string().max(200).default('') });

/**
 * SPEC I1, issue 14: where the connect answer's `authorizeUrl` points (public: the user's
 * browser). Binds the flow to this browser with a cookie, then sends it on to the provider.
 */
export const handler = apiHandler({ public: true, params: providerParams, query }, async ({ params, query, deps, event }) => {
  try {
    const { redirectTo, secret } = await bindBrowser(deps, params.provider, query.state, readCookie(event.headers, bindingCookieName(params.provider)));
    return new RawResponse({
      statusCode: 302,
      headers: { ...flowHeaders(), Location: redirectTo, 'Set-Cookie': bindingCookie(deps.publicBaseUrl, params.provider, secret, BINDING_COOKIE_SECONDS) },
      body: '',
    });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return new RawResponse(failedPage(params.provider, error));
  }
});
