import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ZodError } from 'zod';
import { ApiError } from '../errors';
import { conventionOf, type RequestFacts } from '../conventions/index';
import { logger } from '#shared/logger';

export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}

/** What of the request v1's refusal rule reads (shared/http/conventions/v1.ts). */
const factsOf = (event: APIGatewayProxyEvent): RequestFacts => ({
  path: event.resource || event.path || '',
  method: event.httpMethod ?? '',
  authenticated: Boolean((event.requestContext?.authorizer as { workspaceId?: unknown } | null | undefined)?.workspaceId),
});

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
 * typed errors. Unexpected errors are logged and answered as 500. A v1 refusal's HTTP status
 * follows v1's rule (an envelope-reported refusal answers 200), which reads the request.
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
      const refuse = (e: ApiError) => shape.error(e, factsOf(request.event));
      if (error instanceof ApiError) {
        request.response = refuse(error);
        return;
      }
      if (error instanceof ZodError) {
        request.response = refuse(new ApiError('INVALID_REQUEST', describeZodError(error)));
        return;
      }
      logger.error('unhandled error', { error: error as Error, path: request.event.path });
      request.response = refuse(new ApiError('INTERNAL_ERROR'));
    },
  };
};
