/**
 * The one way an HTTP Lambda entry is built: middy with the body cap, JSON parsing, zod parsing
 * of params, query and body, and the answer shaped by the convention of the request's API
 * version (versionShape: the v1 envelope, or v2's bare JSON / `ok` / `{code, ...}`).
 * The local server invokes exactly these handlers with the same event shape API Gateway sends.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logger } from '#shared/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { bodyCap } from './middlewares/body-cap';
import { decodedBody } from './middlewares/decoded-body';
import { versionShape, Answer } from './middlewares/version-shape';
import { jsonBody, type ParsedEvent } from './middlewares/json-body';
import { ApiError } from './errors';
import type { Deps } from '#shared/runtime/deps';
import { getDeps } from '#shared/runtime/current-deps';

export interface RequestInput<B, P, Q> {
  readonly body: B;
  readonly params: P;
  readonly query: Q;
  /** The caller's workspace, set by the authorizer (API Gateway) or the local server. */
  readonly workspaceId: string;
  readonly deps: Deps;
  readonly event: APIGatewayProxyEvent;
}

/** A handler result that is not an envelope (an HTML page, a redirect). */
export class RawResponse {
  constructor(readonly response: APIGatewayProxyResult) {}
}

interface HandlerSpec<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType> {
  readonly body?: B;
  readonly params?: P;
  readonly query?: Q;
  /** Public endpoints (links in emails) carry no AccessToken. Default: authenticated. */
  readonly public?: boolean;
  /** The body is not JSON (RFC 8058 one-click posts a form): left unparsed in `event.body`. */
  readonly rawBody?: boolean;
  readonly successStatus?: number;
  /** What a success answers (OpenAPI only; v2 handlers declare it, test/v2-conformance.test.ts reads it). */
  readonly response?: z.ZodType;
  /** The request body and / or the answer are HTML, not JSON (OpenAPI only; v2 /emails/{id}/content). */
  readonly html?: { readonly request?: boolean; readonly response?: boolean };
}

export { Answer };

export type ApiHandler = ((event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>) & {
  /** The request schemas, read by the OpenAPI generator (shared/http/openapi.ts). */
  readonly contract?: { body?: z.ZodType; params?: z.ZodType; query?: z.ZodType; response?: z.ZodType; public?: boolean; html?: { request?: boolean; response?: boolean } };
};

export function apiHandler<
  B extends z.ZodType = z.ZodUnknown,
  P extends z.ZodType = z.ZodUnknown,
  Q extends z.ZodType = z.ZodUnknown,
  R = unknown,
>(
  spec: HandlerSpec<B, P, Q>,
  fn: (input: RequestInput<z.infer<B>, z.infer<P>, z.infer<Q>>) => Promise<R | RawResponse | Answer>,
): ApiHandler {
  const core = async (event: ParsedEvent): Promise<APIGatewayProxyResult | Answer> => {
    const workspaceId = String(event.requestContext?.authorizer?.workspaceId ?? '');
    if (!spec.public && !workspaceId) throw new ApiError('UNAUTHORIZED');
    const params = (spec.params ?? z.unknown()).parse(event.pathParameters ?? {});
    const query = (spec.query ?? z.unknown()).parse(event.queryStringParameters ?? {});
    // Schemas that accept no body at all (an optional or defaulted one) are not refused here.
    if (spec.body && event.parsedBody === undefined && !spec.body.safeParse(undefined).success) {
      throw new ApiError('INVALID_REQUEST', '(body): required');
    }
    const body = (spec.body ?? z.unknown()).parse(event.parsedBody);
    // zod has checked each part against its schema; the casts only restate the schemas' output types.
    const result = await fn({
      body: body as z.infer<B>,
      params: params as z.infer<P>,
      query: query as z.infer<Q>,
      workspaceId,
      deps: await getDeps(),
      event,
    });
    if (result instanceof RawResponse) return result.response;
    if (result instanceof Answer) return result;
    return new Answer(result, spec.successStatus);
  };
  const pipeline = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(versionShape())
    .use(bodyCap())
    .use(decodedBody());
  // An Answer never leaves the pipeline: versionShape's `after` turns it into the version's response.
  const handler = (spec.rawBody ? pipeline : pipeline.use(jsonBody())).handler(
    core as unknown as (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>,
  );
  return Object.assign(handler, { contract: spec }) as unknown as ApiHandler;
}
