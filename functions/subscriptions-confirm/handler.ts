import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { confirmSubscription } from '#shared/subscribers/confirmation';
import { htmlPage } from '#shared/http/html-page';
import { headerOf, preferredLanguage } from '#shared/http/language';
import { pageText } from '#shared/subscribers/pages';

/** SPEC L4 double opt-in: the link in the confirmation email (public, no AccessToken). */
export const handler = apiHandler(
  { public: true, query: z.object({ token: z.string().max(2048).default('') }) },
  async ({ query, deps, event }) => {
    const outcome = await confirmSubscription(deps, query.token);
    const lang = preferredLanguage(headerOf(event.headers, 'accept-language'));
    const page = pageText[outcome === 'invalid' ? 'invalid-confirmation' : outcome]![lang];
    return new RawResponse(htmlPage(page.status, page.title, page.body, lang));
  },
);
