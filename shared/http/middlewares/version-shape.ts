import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ZodError } from 'zod';
import { ApiError } from '../errors';
import { conventionOf } from '../conventions/index';
import { describeZodError } from './error-envelope';
import { logger } from '#shared/logger';

/** What a handler returned, before its version's convention shapes it. */
export class Answer {
  constructor(
    readonly value: unknown,
    readonly statusCode?: number,
  ) {}
}

/**
 * Shapes every answer and every error in the convention of the request's API version
 * (shared/http/conventions): the one place that decides, so handlers return data and throw
 * typed errors. Unexpected errors are logged and answered as 500.
 */
export const versionShape = (): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => {
  const convention = (event: APIGatewayProxyEvent) => conventionOf(event.resource || event.path);
  return {
    after: (request) => {
      const answer = request.response as unknown;
      if (answer instanceof Answer) request.response = convention(request.event).success(answer.value, answer.statusCode);
    },
    onError: (request) => {
      const { error } = request;
      const shape = convention(request.event);
      if (error instanceof ApiError) {
        request.response = shape.error(error);
        return;
      }
      if (error instanceof ZodError) {
        request.response = shape.error(new ApiError('INVALID_REQUEST', describeZodError(error)));
        return;
      }
      logger.error('unhandled error', { error: error as Error, path: request.event.path });
      request.response = shape.error(new ApiError('INTERNAL_ERROR'));
    },
  };
};
