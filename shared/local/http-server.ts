/**
 * The local API Gateway: serves the shared route table with the very handlers Lambda runs,
 * after the same AccessToken check, per-workspace throttle and body handling as the AWS stack.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { routes, matchRoute, throttledPerIp, type RouteDefinition } from '#shared/routes';
import { authenticate } from '#shared/workspaces/api-keys';
import { ApiError } from '#shared/http/errors';
import { conventionOf } from '#shared/http/conventions/index';
import type { ApiHandler } from '#shared/http/api-handler';
import { createTokenBucketLimiter, type RateLimiter } from './rate-limiter';
import type { Deps } from '#shared/runtime/deps';
import { logger } from '#shared/logger';

/** API Gateway's own hard cap on a payload; the 256 KB product cap is the handlers' (body-cap middleware). */
const GATEWAY_MAX_BYTES = 10 * 1024 * 1024;
const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface LocalServerOptions {
  readonly deps: Pick<Deps, 'db' | 'tableName' | 'metrics'>;
  readonly limiter: RateLimiter;
  /** Issue 14: public routes (throttledPerIp), per client IP; the WAF rule's local twin. */
  readonly publicLimiter?: RateLimiter;
  readonly port: number;
  readonly host?: string;
}

const handlerCache = new Map<string, Promise<ApiHandler>>();
function loadHandler(route: RouteDefinition): Promise<ApiHandler> {
  let loaded = handlerCache.get(route.entry);
  if (!loaded) {
    loaded = import(pathToFileURL(resolve(repoRoot, route.entry)).href).then((m: { handler: ApiHandler }) => m.handler);
    handlerCache.set(route.entry, loaded);
  }
  return loaded;
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  res.writeHead(result.statusCode, headers);
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > GATEWAY_MAX_BYTES) return 'too-large';
    parts.push(part);
  }
  return Buffer.concat(parts);
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  route: RouteDefinition,
  pathParameters: Record<string, string>,
  body: Buffer,
  authorizer: Record<string, string> | null,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    (multi[k] ??= []).push(v);
  }
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(multi).length ? multi : null,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    // As API Gateway does with binaryMediaTypes */* (infra/constructs/api.ts): every body base64.
    body: body.length ? body.toString('base64') : null,
    isBase64Encoded: body.length > 0,
    requestContext: {
      requestId: randomUUID(),
      authorizer,
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      resourcePath: route.path,
      stage: 'local',
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

const lambdaContext = (name: string): Context =>
  ({ functionName: name, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 30_000 }) as unknown as Context;

export async function startLocalServer(options: LocalServerOptions): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  // Per-method limits on top of the workspace's (the usage plan's method throttling in AWS).
  const methodLimiters = new Map(
    routes.filter((r) => r.throttle).map((r) => [r.id, createTokenBucketLimiter(r.throttle!.rateLimit, r.throttle!.burstLimit)]),
  );
  const server = createServer(async (req, res) => {
    const started = performance.now();
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      // The server's own refusals speak the path's API version, like the handlers (issue 13).
      const refuse = (code: ConstructorParameters<typeof ApiError>[0]) => send(res, conventionOf(url.pathname).error(new ApiError(code)));
      const matched = matchRoute(req.method ?? 'GET', url.pathname);
      if (!matched) return refuse('NOT_FOUND');
      if (matched === 'method-not-allowed') return refuse('METHOD_NOT_ALLOWED');
      if (matched === 'bad-path') return send(res, conventionOf(url.pathname).error(new ApiError('INVALID_REQUEST', 'malformed percent-encoding in the path')));
      const { route, params } = matched;
      // The socket's address, never X-Forwarded-For: a header is the client's to choose.
      if (options.publicLimiter && throttledPerIp(route) && !options.publicLimiter.take(req.socket.remoteAddress ?? '')) {
        return refuse('PUBLIC_RATE_LIMITED');
      }
      let authorizer: Record<string, string> | null = null;
      if (route.auth === 'apiKey') {
        const token = req.headers['accesstoken'];
        const principal = await authenticate(options.deps, Array.isArray(token) ? token[0] : token);
        if (!principal) return refuse('UNAUTHORIZED');
        if (!options.limiter.take(principal.workspaceId)) {
          options.deps.metrics.add('ThrottledByWorkspace', 1, { WorkspaceId: principal.workspaceId });
          return refuse('TOO_MANY_REQUESTS');
        }
        const methodLimiter = methodLimiters.get(route.id);
        if (methodLimiter && !methodLimiter.take(principal.workspaceId)) return refuse('AUTOMATION_API_RATE');
        authorizer = { workspaceId: principal.workspaceId, keyId: principal.keyId };
      }
      const body = await readBody(req);
      if (body === 'too-large') return refuse('PAYLOAD_TOO_LARGE');
      const handler = await loadHandler(route);
      const result = await handler(toEvent(req, url, route, params, body, authorizer), lambdaContext(route.id));
      send(res, result);
      logger.debug('request', { route: route.id, status: result.statusCode, ms: Math.round(performance.now() - started) });
    } catch (error) {
      // The store guard's refusals (STORAGE_FULL, DATABASE_UNAVAILABLE) may come before any handler, from the key check.
      if (error instanceof ApiError) return void (res.headersSent || send(res, conventionOf(req.url?.split('?')[0]).error(error)));
      logger.error('local server error', { error: error as Error });
      if (!res.headersSent) send(res, conventionOf(req.url?.split('?')[0]).error(new ApiError('INTERNAL_ERROR')));
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(options.port, options.host ?? '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export { routes };
