import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ApiError } from '../errors';
import { hasProtoKey, jsonDepth, MAX_BODY_DEPTH } from '../json-depth';

export type ParsedEvent = APIGatewayProxyEvent & { parsedBody?: unknown };

const header = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
};

/**
 * Parses the JSON body into `event.parsedBody` (SPEC W3). A body that is not JSON, or that is
 * declared as another media type, is refused with an envelope error before any handler runs.
 * Runs after decodedBody, so the body is text here.
 */
export const jsonBody = (): MiddlewareObj<ParsedEvent> => ({
  before: ({ event }) => {
    const raw = event.body;
    if (raw === null || raw === undefined || raw === '') return;
    const contentType = header(event, 'content-type');
    if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType.trim())) {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ApiError('INVALID_JSON');
    }
    // Issue 14 (R1): refused here, before any handler could write part of it.
    if (jsonDepth(parsed) > MAX_BODY_DEPTH) throw new ApiError('INVALID_REQUEST', `(body): nested deeper than ${MAX_BODY_DEPTH} levels`);
    if (hasProtoKey(parsed)) throw new ApiError('INVALID_REQUEST', '(body): `__proto__` is a reserved name, not accepted as a key');
    event.parsedBody = parsed;
  },
});
