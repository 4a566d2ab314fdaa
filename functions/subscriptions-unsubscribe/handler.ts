import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { unsubscribeByLink } from '#shared/subscribers/unsubscribe-links';
import { htmlPage } from '#shared/http/html-page';
import { headerOf, preferredLanguage } from '#shared/http/language';
import { pageText } from '#shared/subscribers/pages';

/** SPEC M1: the unsubscribe link in every email; following it unsubscribes at once (public). */
export const handler = apiHandler(
  { public: true, query: z.object({ token: z.string().max(2048).default(''), reason: z.string().max(500).optional() }) },
  async ({ query, deps, event }) => {
    const outcome = await unsubscribeByLink(deps, query.token, query.reason);
    const lang = preferredLanguage(headerOf(event.headers, 'accept-language'));
    const page = pageText[outcome === 'invalid' ? 'invalid-unsubscribe' : outcome]![lang];
    return new RawResponse(htmlPage(page.status, page.title, page.body, lang));
  },
);
