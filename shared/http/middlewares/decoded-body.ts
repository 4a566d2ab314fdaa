import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';

/**
 * The API declares every media type binary (so the open pixel's bytes reach mail clients as
 * bytes), and API Gateway therefore hands every request body over base64-encoded. This turns it
 * back into the text the client sent before anything reads it: JSON, SNS's text/plain
 * notifications, the RFC 8058 form post alike.
 */
export const decodedBody = (): MiddlewareObj<APIGatewayProxyEvent> => ({
  before: ({ event }) => {
    if (!event.isBase64Encoded) return;
    event.body = event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    event.isBase64Encoded = false;
  },
});
