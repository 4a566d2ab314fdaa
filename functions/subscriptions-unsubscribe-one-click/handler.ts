import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { unsubscribeByLink } from '#shared/subscribers/unsubscribe-links';

/**
 * RFC 8058 one-click: mail clients POST `List-Unsubscribe=One-Click` (a form body) to the
 * List-Unsubscribe URL. Answers 200 whether or not the address was still subscribed.
 */
export const handler = apiHandler(
  { public: true, rawBody: true, query: z.object({ token: z.string().max(2048).default('') }) },
  async ({ query, deps }) => {
    const outcome = await unsubscribeByLink(deps, query.token);
    return new RawResponse({
      statusCode: outcome === 'invalid' ? 400 : 200,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: outcome === 'invalid' ? 'invalid link' : 'unsubscribed',
    });
  },
);
