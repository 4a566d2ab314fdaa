/**
 * How a refused v1 request is answered (issue 13, docs/api.md "Envelope and errors"). The
 * original reports a refusal in the envelope (`Ok: false`, like the seed's
 * LIST_ALREADY_SUBSCRIBED with HttpStatusCode 0) and answers HTTP 200, and callers decode the
 * envelope from a 200. What the gateway itself refuses keeps its status: a missing or bad key
 * 401, the body cap 413, the throttle 429; a server failure stays 500. The look-ups added on
 * 2024-03-15 (GET) document their refusals as `400 Bad Request` with the same HttpStatusCode
 * (reference/api-webhook_list-api_2024-04-18.md), so a GET answers the envelope's status.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorEnvelope } from './envelope';
import type { ApiError, ErrorCode } from './errors';

const keepsStatus: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['UNAUTHORIZED', 'PAYLOAD_TOO_LARGE', 'TOO_MANY_REQUESTS', 'NOT_FOUND', 'METHOD_NOT_ALLOWED']);

/**
 * A request of the v1 API made with an AccessToken (the path template when API Gateway gives
 * it, else the path). Public v1 paths (links in emails, SES notifications through SNS, which
 * retries on a non-2xx) keep their statuses.
 */
export const isV1Request = (event: Pick<APIGatewayProxyEvent, 'resource' | 'path' | 'requestContext'> | undefined): boolean =>
  /^\/v1\//.test(event?.resource || event?.path || '') && Boolean((event?.requestContext?.authorizer as { workspaceId?: unknown } | null | undefined)?.workspaceId);

export function v1RefusalStatus(error: ApiError, method: string | undefined): number {
  if (keepsStatus.has(error.code) || error.status >= 500) return error.status;
  if ((method ?? '').toUpperCase() === 'GET') return error.status || 200;
  return 200;
}

export function v1ErrorResponse(error: ApiError, event: Pick<APIGatewayProxyEvent, 'httpMethod'>): APIGatewayProxyResult {
  return {
    statusCode: v1RefusalStatus(error, event.httpMethod),
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(errorEnvelope(error)),
  };
}
