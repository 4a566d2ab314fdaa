import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { decideConnection } from '#shared/integrations/oauth-flow';
import { bindingCookie, bindingCookieName, readCookie } from '#shared/integrations/browser-binding';
import { cancelledPage, connectedPage, failedPage } from '#shared/integrations/pages';
import { providerParams } from '#shared/integrations/schemas';

/** The consent page's form (application/x-www-form-urlencoded). */
const form = z.object({ state: z.string().max(200).default(''), decision: z.enum(['confirm', 'cancel']) });

/**
 * SPEC I1, issue 14: the consent page's POST (public: the browser that started the flow, and
 * only it). `confirm` connects the workspace the page named; `cancel` forgets the tokens.
 */
export const handler = apiHandler({ public: true, rawBody: true, params: providerParams }, async ({ params, deps, event }) => {
  try {
    const parsed = form.safeParse(Object.fromEntries(new URLSearchParams(event.body ?? '')));
    if (!parsed.success) throw new ApiError('INVALID_REQUEST', 'state and decision (confirm or cancel) are required');
    const done = await decideConnection(deps, params.provider, parsed.data, readCookie(event.headers, bindingCookieName(params.provider)));
    const page = done ? connectedPage(params.provider) : cancelledPage(params.provider);
    // The flow is over: the browser may forget its cookie.
    return new RawResponse({ ...page, headers: { ...page.headers, 'Set-Cookie': bindingCookie(deps.publicBaseUrl, params.provider, '', 0) } });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return new RawResponse(failedPage(params.provider, error));
  }
});
