import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ZodError } from 'zod';
import { ApiError } from '../errors';
import { errorResponse } from '../envelope';
import { isV1Request, v1ErrorResponse } from '../v1-envelope';
import { logger } from '#shared/logger';

export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}

/** Turns any thrown error into the envelope; unexpected ones are logged and answered as 500. */
export const errorEnvelope = (): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => ({
  onError: (request) => {
    const { error, event } = request;
    // v1 answers its refusals as the original does (shared/http/v1-envelope.ts).
    const answer = (e: ApiError) => (isV1Request(event) ? v1ErrorResponse(e, event) : errorResponse(e));
    if (error instanceof ApiError) {
      request.response = answer(error);
      return;
    }
    if (error instanceof ZodError) {
      request.response = answer(new ApiError('INVALID_REQUEST', describeZodError(error)));
      return;
    }
    logger.error('unhandled error', { error: error as Error, path: event.path });
    request.response = answer(new ApiError('INTERNAL_ERROR'));
  },
});
