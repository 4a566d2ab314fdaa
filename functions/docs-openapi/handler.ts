import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { basePathOf } from '#shared/http/docs-assets';
import openapi from '../../docs/openapi.json' with { type: 'json' };

/**
 * The OpenAPI document generated from the route table and the handlers' zod schemas, with this
 * API's own base path as its server, so "Try it out" in /docs calls the server it came from.
 */
export const handler = apiHandler({ public: true }, async ({ event }) =>
  new RawResponse({
    statusCode: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ ...openapi, servers: [{ url: basePathOf(event, /\/docs\/openapi\.json$/) || '/', description: 'this server' }] }),
  }),
);
