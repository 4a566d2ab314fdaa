/**
 * The typed client of this API (issue 17): openapi-fetch over the types openapi-typescript
 * generates from docs/openapi.json (./schema.d.ts, `npm run openapi`). Copy this folder into a
 * project that has `openapi-fetch` installed, or import it from the repository.
 *
 *   const api = createApiClient('http://127.0.0.1:3000', process.env.ACCESS_TOKEN);
 *   const { data } = await api.GET('/v1/lists');               // data: the v1 envelope
 *   await api.POST('/v1/lists/{listId}/subscribers', { params: { path: { listId: '1' } }, body: { subscribers: [] } });
 *
 * Paths, parameters, bodies and answers are typed from the document; v1 refusals that answer
 * HTTP 200 arrive in `data` with `Ok: false`, every other refusal in `error`.
 */
import createClient, { type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema';

export type { paths, components, operations } from './schema';

export function createApiClient(baseUrl: string, accessToken?: string, options: Omit<ClientOptions, 'baseUrl' | 'headers'> & { headers?: Record<string, string> } = {}) {
  const headers = { ...options.headers, ...(accessToken === undefined ? {} : { AccessToken: accessToken }) };
  return createClient<paths>({ ...options, baseUrl, headers });
}

export type ApiClient = ReturnType<typeof createApiClient>;
