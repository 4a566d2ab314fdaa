/** SPEC L9: `{"Ok", "Error": null | {"Code", "HttpStatusCode", "Message"}, "Value"}` on every response. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ApiError } from './errors';

export interface Envelope<T> {
  Ok: boolean;
  Error: null | { Code: string; HttpStatusCode: number; Message: string };
  Value: T | null;
}

const jsonHeaders = { 'Content-Type': 'application/json; charset=utf-8' };

export function okResponse<T>(value: T, statusCode = 200): APIGatewayProxyResult {
  const body: Envelope<T> = { Ok: true, Error: null, Value: value };
  return { statusCode, headers: jsonHeaders, body: JSON.stringify(body) };
}

export function errorEnvelope(error: ApiError): Envelope<null> {
  return { Ok: false, Error: { Code: error.code, HttpStatusCode: error.status, Message: error.message }, Value: null };
}

export function errorResponse(error: ApiError): APIGatewayProxyResult {
  // An envelope status of 0 (the original's business rejections) travels as HTTP 200.
  return { statusCode: error.status || 200, headers: jsonHeaders, body: JSON.stringify(errorEnvelope(error)) };
}
