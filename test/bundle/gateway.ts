/**
 * API Gateway, played for the bundle test (issue 11) from the template alone: the REST API's
 * methods (found by their resource path; operationName is the route id), the REQUEST authorizer
 * on its identity header with its result cache, the Lambda proxy integration's event and answer,
 * the RestApi's BinaryMediaTypes and the gateway responses the template declares.
 *
 * Binary handling of Lambda proxy integrations (API Gateway developer guide, "Binary media types
 * for REST APIs" and "Content type conversions in API Gateway"): a request body whose
 * Content-Type matches a binary media type reaches the function base64-encoded with
 * isBase64Encoded true, any other body as UTF-8 text; an answer with isBase64Encoded true is
 * decoded to bytes only when the request's first Accept media type matches a binary media type,
 * otherwise the client gets the base64 text as it is.
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT, REGION, type Assembly, type AuthorizerSpec, type FunctionSpec, type RestApiSpec, type RouteSpec } from './assembly';
import { matchesAction, matchesResource } from './iam';
import type { InvokeResult, LambdaService } from './lambda';

export interface GatewayRequest {
  readonly method: string;
  /** A path below the stage (`/v1/lists`) or a full URL of the stage (as links in emails are). */
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

export interface GatewayResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly route?: RouteSpec;
  /** Why API Gateway answered itself: a gateway response type, a function error, a malformed proxy answer. */
  readonly failure?: string;
  text(): string;
  json<T = unknown>(): T;
}

/** `type/subtype` against a list of binary media types (`*` wildcards per part); parameters are ignored. */
export function matchesMediaType(contentType: string | undefined, binaryMediaTypes: readonly string[]): boolean {
  if (!contentType) return false;
  const [type, subtype] = contentType.split(';')[0]!.trim().toLowerCase().split('/');
  return binaryMediaTypes.some((entry) => {
    const [t, s] = entry.trim().toLowerCase().split('/');
    return (t === '*' || t === type) && (s === '*' || s === subtype);
  });
}

/** API Gateway looks at the first media type of Accept only. */
export const firstAccept = (accept: string | undefined) => accept?.split(',')[0]?.trim();

const header = (headers: Record<string, string>, name: string) => {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
};

function response(status: number, headers: Record<string, string>, body: Buffer, extra: Partial<GatewayResponse> = {}): GatewayResponse {
  return {
    status,
    headers,
    body,
    ...extra,
    text: () => body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

export interface GatewayRecord {
  readonly operationName?: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly failure?: string;
}

export class ApiGateway {
  readonly baseUrl: string;
  readonly log: GatewayRecord[] = [];
  private readonly routes: Array<{ route: RouteSpec; regex: RegExp; names: string[] }>;
  private readonly authCache = new Map<string, { expires: number; context: Record<string, unknown>; principalId: string; policy: unknown; usageIdentifierKey?: string }>();

  constructor(
    private readonly assembly: Assembly,
    private readonly lambda: LambdaService,
    readonly api: RestApiSpec,
  ) {
    this.baseUrl = `https://${api.id}.execute-api.${REGION}.amazonaws.com/${api.stageName}`;
    this.routes = assembly.routes
      .filter((r) => r.restApiId === api.id)
      .map((route) => {
        const names: string[] = [];
        const pattern = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)(\+?)\}/g, (_, name: string, greedy: string) => {
          names.push(name);
          return greedy ? '(.+)' : '([^/]+)';
        });
        return { route, regex: new RegExp(`^${pattern}/?$`), names };
      });
  }

  functionOf(route: RouteSpec): FunctionSpec {
    return this.lambda.byArnOrName(route.functionArn);
  }

  /** Whether the template lets `principal` invoke `fn` from `sourceArn` (AWS::Lambda::Permission). */
  private permitted(fn: FunctionSpec, principal: string, sourceArn: string): boolean {
    return this.assembly.permissions.some(
      (p) => p.functionArn === fn.arn && p.principal === principal && (p.sourceArn === undefined || matchesResource(p.sourceArn, sourceArn)),
    );
  }

  private gatewayResponse(type: string, fallbackStatus: number, failure?: string): GatewayResponse {
    const configured = this.api.gatewayResponses[type] ?? (fallbackStatus >= 500 ? this.api.gatewayResponses.DEFAULT_5XX : this.api.gatewayResponses.DEFAULT_4XX);
    const status = configured?.statusCode ?? fallbackStatus;
    const body = configured?.templates['application/json'] ?? JSON.stringify({ message: type });
    return response(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type }, Buffer.from(body), { failure: failure ?? type });
  }

  async request(req: GatewayRequest): Promise<GatewayResponse> {
    const res = await this.handle(req);
    const path = req.url.startsWith('http') ? new URL(req.url).pathname : req.url.split('?')[0]!;
    this.log.push({ ...(res.route ? { operationName: res.route.operationName } : {}), method: req.method, path, status: res.status, ...(res.failure ? { failure: res.failure } : {}) });
    return res;
  }

  private async handle(req: GatewayRequest): Promise<GatewayResponse> {
    const url = new URL(req.url.startsWith('http') ? req.url : `${this.baseUrl}${req.url}`);
    const stagePrefix = `/${this.api.stageName}`;
    if (url.host !== new URL(this.baseUrl).host || !(url.pathname === stagePrefix || url.pathname.startsWith(`${stagePrefix}/`))) {
      return this.gatewayResponse('MISSING_AUTHENTICATION_TOKEN', 403);
    }
    const path = url.pathname.slice(stagePrefix.length) || '/';
    // What API Gateway adds to the client's headers before the integration sees them.
    const headers: Record<string, string> = {
      Host: url.host,
      'X-Forwarded-For': '203.0.113.10',
      'X-Forwarded-Port': '443',
      'X-Forwarded-Proto': 'https',
      'X-Amzn-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      ...(req.headers ?? {}),
    };
    const raw = req.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
    if (raw.length) headers['Content-Length'] ??= String(raw.length);
    if (raw.length > 10 * 1024 * 1024) return this.gatewayResponse('REQUEST_TOO_LARGE', 413);

    let matched: { route: RouteSpec; params: Record<string, string> } | undefined;
    for (const { route, regex, names } of this.routes) {
      const m = regex.exec(path);
      if (!m || route.method !== req.method.toUpperCase()) continue;
      matched = { route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
      break;
    }
    // REST APIs answer an unknown path or method as a missing authentication token.
    if (!matched) return this.gatewayResponse('MISSING_AUTHENTICATION_TOKEN', 403);
    const { route, params } = matched;

    const query: Record<string, string> = {};
    const multiQuery: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) {
      query[k] = v;
      (multiQuery[k] ??= []).push(v);
    }
    const multiHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
    const requestId = randomUUID();
    const now = new Date();
    const requestContext: Record<string, unknown> = {
      resourceId: randomUUID().slice(0, 6),
      resourcePath: route.path,
      httpMethod: route.method,
      extendedRequestId: requestId.slice(0, 16),
      requestTime: now.toUTCString(),
      path: `${stagePrefix}${path}`,
      accountId: ACCOUNT,
      protocol: 'HTTP/1.1',
      stage: this.api.stageName,
      domainPrefix: this.api.id,
      requestTimeEpoch: now.getTime(),
      requestId,
      identity: { sourceIp: '203.0.113.10', userAgent: header(headers, 'user-agent') ?? 'bundle-test', accountId: null, caller: null, user: null, userArn: null, apiKey: null },
      domainName: url.host,
      apiId: this.api.id,
    };
    const methodArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${this.api.id}/${this.api.stageName}/${route.method}${path}`;

    if (route.authorizationType === 'CUSTOM') {
      const authorizer = this.assembly.authorizers.find((a) => a.id === route.authorizerId);
      if (!authorizer) return this.gatewayResponse('AUTHORIZER_CONFIGURATION_ERROR', 500, `route ${route.operationName} names no authorizer of the template`);
      const decision = await this.authorize(authorizer, route, { headers, multiHeaders, query, multiQuery, params, path, methodArn, requestContext });
      if ('response' in decision) return { ...decision.response, route };
      requestContext.authorizer = { ...decision.context, principalId: decision.principalId, integrationLatency: 0 };
      if (route.apiKeyRequired && this.api.apiKeySource === 'AUTHORIZER' && !decision.usageIdentifierKey) {
        return { ...this.gatewayResponse('INVALID_API_KEY', 403, 'the authorizer returned no usageIdentifierKey for an API-key method'), route };
      }
    }

    const binaryRequest = raw.length > 0 && matchesMediaType(header(headers, 'content-type'), this.api.binaryMediaTypes);
    const event = {
      resource: route.path,
      path,
      httpMethod: route.method,
      headers,
      multiValueHeaders: multiHeaders,
      queryStringParameters: Object.keys(query).length ? query : null,
      multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
      pathParameters: Object.keys(params).length ? params : null,
      stageVariables: null,
      requestContext,
      body: raw.length ? (binaryRequest ? raw.toString('base64') : raw.toString('utf8')) : null,
      isBase64Encoded: binaryRequest,
    };
    const fn = this.functionOf(route);
    if (!this.permitted(fn, 'apigateway.amazonaws.com', methodArn)) {
      return { ...this.gatewayResponse('DEFAULT_5XX', 500, `no AWS::Lambda::Permission lets API Gateway invoke ${fn.path} for ${methodArn}`), route };
    }
    const result = await this.lambda.invoke(fn, event, `api ${route.method} ${route.path}`);
    return { ...this.proxyAnswer(result, headers, fn), route };
  }

  private async authorize(
    authorizer: AuthorizerSpec,
    route: RouteSpec,
    r: { headers: Record<string, string>; multiHeaders: Record<string, string[]>; query: Record<string, string>; multiQuery: Record<string, string[]>; params: Record<string, string>; path: string; methodArn: string; requestContext: Record<string, unknown> },
  ): Promise<{ response: GatewayResponse } | { context: Record<string, unknown>; principalId: string; usageIdentifierKey?: string }> {
    const identity = authorizer.identityHeaders.map((h) => header(r.headers, h));
    // A missing identity source is refused without calling the authorizer.
    if (identity.some((v) => !v)) return { response: this.gatewayResponse('UNAUTHORIZED', 401, 'no identity source') };
    const cacheKey = identity.join('\u0000');
    let cached = this.authCache.get(cacheKey);
    if (!cached || cached.expires <= Date.now()) {
      const fn = this.lambda.byArnOrName(authorizer.functionArn);
      if (!this.permitted(fn, 'apigateway.amazonaws.com', `arn:aws:execute-api:${REGION}:${ACCOUNT}:${this.api.id}/authorizers/${authorizer.id}`)) {
        return { response: this.gatewayResponse('AUTHORIZER_CONFIGURATION_ERROR', 500, `no AWS::Lambda::Permission lets API Gateway invoke the authorizer ${fn.path}`) };
      }
      const event = {
        type: 'REQUEST',
        methodArn: r.methodArn,
        resource: route.path,
        path: r.path,
        httpMethod: route.method,
        headers: r.headers,
        multiValueHeaders: r.multiHeaders,
        queryStringParameters: r.query,
        multiValueQueryStringParameters: r.multiQuery,
        pathParameters: r.params,
        stageVariables: {},
        requestContext: r.requestContext,
      };
      const result = await this.lambda.invoke(fn, event, `authorizer of ${route.method} ${route.path}`);
      if (result.error) {
        if (result.error.errorMessage === 'Unauthorized') return { response: this.gatewayResponse('UNAUTHORIZED', 401, 'authorizer: Unauthorized') };
        return { response: this.gatewayResponse('AUTHORIZER_FAILURE', 500, `authorizer ${fn.path} failed: ${result.error.errorType}: ${result.error.errorMessage}`) };
      }
      const out = result.payload as { principalId?: unknown; policyDocument?: unknown; context?: Record<string, unknown>; usageIdentifierKey?: unknown } | null;
      const context = out?.context ?? {};
      if (!out || typeof out.principalId !== 'string' || !out.policyDocument || Object.values(context).some((v) => v !== null && typeof v === 'object')) {
        return { response: this.gatewayResponse('AUTHORIZER_CONFIGURATION_ERROR', 500, `authorizer ${fn.path} answered no valid policy: ${JSON.stringify(out)}`) };
      }
      cached = {
        expires: Date.now() + authorizer.ttlSeconds * 1000,
        context,
        principalId: out.principalId,
        policy: out.policyDocument,
        ...(typeof out.usageIdentifierKey === 'string' ? { usageIdentifierKey: out.usageIdentifierKey } : {}),
      };
      if (authorizer.ttlSeconds > 0) this.authCache.set(cacheKey, cached);
    }
    const statements = ((cached.policy as { Statement?: unknown }).Statement ?? []) as Array<{ Effect: string; Action: string | string[]; Resource: string | string[] }>;
    const applies = (s: (typeof statements)[number]) =>
      [s.Action].flat().some((a) => matchesAction(a, 'execute-api:Invoke')) && [s.Resource].flat().some((p) => matchesResource(p, r.methodArn));
    if (statements.some((s) => s.Effect === 'Deny' && applies(s)) || !statements.some((s) => s.Effect === 'Allow' && applies(s))) {
      return { response: this.gatewayResponse('ACCESS_DENIED', 403, `the authorizer's policy does not allow ${r.methodArn}`) };
    }
    return { context: cached.context, principalId: cached.principalId, ...(cached.usageIdentifierKey ? { usageIdentifierKey: cached.usageIdentifierKey } : {}) };
  }

  private proxyAnswer(result: InvokeResult, requestHeaders: Record<string, string>, fn: FunctionSpec): GatewayResponse {
    if (result.error) {
      return this.gatewayResponse('INTEGRATION_FAILURE', 502, `${fn.path} failed: ${result.error.errorType}: ${result.error.errorMessage}`);
    }
    const out = result.payload as { statusCode?: unknown; headers?: unknown; multiValueHeaders?: unknown; body?: unknown; isBase64Encoded?: unknown } | null;
    const malformed = (why: string) => response(502, { 'Content-Type': 'application/json' }, Buffer.from('{"message": "Internal server error"}'), { failure: `Malformed Lambda proxy response from ${fn.path}: ${why}` });
    if (!out || typeof out !== 'object' || Array.isArray(out)) return malformed('not an object');
    const status = Number(out.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) return malformed(`statusCode ${JSON.stringify(out.statusCode)}`);
    if (out.body !== undefined && out.body !== null && typeof out.body !== 'string') return malformed('body is not a string');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((out.headers ?? {}) as Record<string, unknown>)) {
      if (v !== null && typeof v === 'object') return malformed(`header ${k} is not a scalar`);
      headers[k] = String(v);
    }
    for (const [k, v] of Object.entries((out.multiValueHeaders ?? {}) as Record<string, unknown>)) {
      if (!Array.isArray(v)) return malformed(`multiValueHeaders.${k} is not a list`);
      headers[k] = v.map(String).join(', ');
    }
    const text = (out.body as string | undefined) ?? '';
    const binary = out.isBase64Encoded === true && matchesMediaType(firstAccept(header(requestHeaders, 'accept')), this.api.binaryMediaTypes);
    return response(status, headers, binary ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'));
  }
}
