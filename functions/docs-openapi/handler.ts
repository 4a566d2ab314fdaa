import { apiHandler, RawResponse } from '#shared/http/api-handler';
import openapi from '../../docs/openapi.json' with { type: 'json' };

/** The OpenAPI document generated from the route table and the handlers' zod schemas. */
export const handler = apiHandler({ public: true }, async () =>
  new RawResponse({
    statusCode: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(openapi),
  }),
);
