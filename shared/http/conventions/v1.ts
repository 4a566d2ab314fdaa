/**
 * The v1 `{Ok, Error, Value}` envelope (SPEC L9, ../envelope.ts) and the HTTP status a refusal
 * travels with (issue 13, docs/api.md "Envelope and errors"). The original reports a refusal in
 * the envelope (`Ok: false`, like the seed's LIST_ALREADY_SUBSCRIBED with HttpStatusCode 0) and
 * answers HTTP 200, and callers decode the envelope from a 200. What refuses the call itself
 * keeps its status (./call-refusals.ts: a missing or bad key 401, the body cap 413, the throttle
 * 429, any 5xx). The look-ups added on 2024-03-15 (GET) document their refusals as
 * `400 Bad Request` with the same HttpStatusCode (reference/api-webhook_list-api_2024-04-18.md),
 * so a GET answers the envelope's status.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ApiError, ErrorCode } from '../errors';
import { errorResponse } from '../envelope';
import { keepsItsStatus } from './call-refusals';

/** What of the request decides a v1 refusal's status (absent: the error's own status). */
export interface RequestFacts {
  /** The path template when API Gateway gives it, else the path. */
  readonly path: string;
  readonly method: string;
  /** Made with an AccessToken (the authorizer set the workspace). */
  readonly authenticated: boolean;
}

/**
 * Only requests of the `/v1/` address-book API made with an AccessToken follow the rule. Public
 * v1 paths (links in emails, SES notifications through SNS, which retries on a non-2xx) and the
 * automated-email API keep their statuses.
 */
const followsEnvelopeRule = (r: RequestFacts) => r.authenticated && /^\/v1\//.test(r.path);

/**
 * A body v1 cannot read is refused like one that is not JSON (INVALID_JSON, W3): in the envelope.
 * v2 keeps its 415 (./call-refusals.ts).
 */
const reportedInV1Envelope: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['UNSUPPORTED_MEDIA_TYPE']);

export function v1RefusalStatus(error: ApiError, request: RequestFacts): number {
  if (keepsItsStatus(error.code) && !reportedInV1Envelope.has(error.code)) return error.status;
  if (request.method.toUpperCase() === 'GET') return error.status || 200;
  return 200;
}

export function v1Error(error: ApiError, request?: RequestFacts): APIGatewayProxyResult {
  if (!request || !followsEnvelopeRule(request)) return errorResponse(error);
  return { ...errorResponse(error), statusCode: v1RefusalStatus(error, request) };
}
