import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ZodError } from 'zod';
import { ApiError } from '../errors';
import { errorResponse } from '../envelope';
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
    const { error } = request;
    if (error instanceof ApiError) {
      request.response = errorResponse(error);
      return;
    }
    if (error instanceof ZodError) {
      request.response = errorResponse(new ApiError('INVALID_REQUEST', describeZodError(error)));
      return;
    }
    logger.error('unhandled error', { error: error as Error, path: request.event.path });
    request.response = errorResponse(new ApiError('INTERNAL_ERROR'));
  },
});
