import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ApiError } from '../errors';

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
    try {
      event.parsedBody = JSON.parse(raw);
    } catch {
      throw new ApiError('INVALID_JSON');
    }
  },
});
