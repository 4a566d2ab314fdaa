/**
 * The route table: every HTTP endpoint, the Lambda entry that serves it and what it may touch.
 * The CDK api construct builds API Gateway resources and functions from it; the local server
 * (shared/local/http-server.ts) routes with it. Paths use API Gateway's `{param}` syntax.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteDefinition {
  /** Stable name: the Lambda's logical id and the handler folder under functions/. */
  readonly id: string;
  readonly method: HttpMethod;
  readonly path: string;
  /** Handler module, relative to the repository root; exports `handler`. */
  readonly entry: string;
  /** `apiKey`: AccessToken header, authorizer, usage-plan throttle. `public`: links in emails. */
  readonly auth: 'apiKey' | 'public';
  /** Table access the function is granted: read-only or read-write (least privilege). */
  readonly access: 'R' | 'RW';
  /** SPEC ids the endpoint serves. */
  readonly spec: readonly string[];
}

const route = (
  id: string,
  method: HttpMethod,
  path: string,
  access: 'R' | 'RW',
  spec: string[],
  auth: 'apiKey' | 'public' = 'apiKey',
): RouteDefinition => ({ id, method, path, entry: `functions/${id}/handler.ts`, auth, access, spec });

export const routes: readonly RouteDefinition[] = [
  // Address-book API v1 (seed 002)
  route('subscribers-subscribe', 'POST', '/v1/lists/{listId}/subscribers', 'RW', ['L4']),
  route('subscribers-delete', 'DELETE', '/v1/lists/{listId}/subscribers', 'RW', ['L5']),
  route('subscribers-unsubscribe', 'PUT', '/v1/lists/{listId}/subscribers/unsubscribe', 'RW', ['L6']),
  route('groups-assign', 'POST', '/v1/lists/{listId}/groups/{groupId}/subscribers/assign', 'RW', ['L7']),
  route('groups-release', 'POST', '/v1/lists/{listId}/groups/{groupId}/subscribers/release', 'RW', ['L7']),
  route('subscriptions-confirm', 'GET', '/v1/subscriptions/confirm', 'RW', ['L4'], 'public'),

  // Look-ups (L8), v1 paths of the address-book API
  route('lists-list', 'GET', '/v1/lists', 'R', ['L8']),
  route('groups-list', 'GET', '/v1/lists/{listId}/groups', 'R', ['L8']),
  route('subscribers-count', 'GET', '/v1/lists/{listId}/subscribers/count', 'R', ['L8']),
  route('subscribers-list', 'GET', '/v1/lists/{listId}/subscribers', 'R', ['L8']),

  // List management, v2 paths of the public API (L1, L2, L11)
  route('lists-create', 'POST', '/v2/lists', 'RW', ['L1', 'L11']),
  route('lists-get', 'GET', '/v2/lists/{listId}', 'R', ['L1', 'I6']),
  route('lists-update', 'PUT', '/v2/lists/{listId}', 'RW', ['L11']),
  route('lists-delete', 'DELETE', '/v2/lists/{listId}', 'RW', ['L1']),
  route('fields-list', 'GET', '/v2/lists/{listId}/fields', 'R', ['L2']),
  route('fields-create', 'POST', '/v2/lists/{listId}/fields', 'RW', ['L2']),
  route('fields-update', 'PUT', '/v2/lists/{listId}/fields/{tag}', 'RW', ['L2']),
  route('fields-delete', 'DELETE', '/v2/lists/{listId}/fields/{tag}', 'RW', ['L2']),
  route('groups-create', 'POST', '/v2/lists/{listId}/groups', 'RW', ['L7']),
  route('groups-update', 'PUT', '/v2/lists/{listId}/groups/{groupId}', 'RW', ['L7']),
  route('groups-delete', 'DELETE', '/v2/lists/{listId}/groups/{groupId}', 'RW', ['L7']),

  // Workspace API keys (W2)
  route('api-keys-list', 'GET', '/v1/api-keys', 'R', ['W2']),
  route('api-keys-create', 'POST', '/v1/api-keys', 'RW', ['W2']),
  route('api-keys-deactivate', 'PUT', '/v1/api-keys/{keyId}/deactivate', 'RW', ['W2']),
  route('api-keys-activate', 'PUT', '/v1/api-keys/{keyId}/activate', 'RW', ['W2']),
  route('api-keys-delete', 'DELETE', '/v1/api-keys/{keyId}', 'RW', ['W2']),
];

type Match = { route: RouteDefinition; params: Record<string, string> };

const compiled = () =>
  routes.map((r) => {
    const names: string[] = [];
    const pattern = r.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { route: r, regex: new RegExp(`^${pattern}/?$`), names };
  });
let table: ReturnType<typeof compiled> | undefined;

/** Finds the route of a request; a known path with another method is 'method-not-allowed'. */
export function matchRoute(method: string, path: string): Match | 'method-not-allowed' | null {
  table ??= compiled();
  let pathKnown = false;
  for (const { route: r, regex, names } of table) {
    const m = regex.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (r.method !== method.toUpperCase()) continue;
    const params: Record<string, string> = {};
    names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    return { route: r, params };
  }
  return pathKnown ? 'method-not-allowed' : null;
}
