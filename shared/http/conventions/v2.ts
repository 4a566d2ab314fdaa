/**
 * The public v2 API's answers (reference/stibee-api-v2_openapi.yml): bare JSON or the text `ok`
 * on success (200, 201 where the yml says so), `{code, httpStatusCode, message}` on refusal.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ApiError, errorCatalog, type ErrorCode } from '../errors';
import { v2Errors } from './v2-errors';
import { keepsItsStatus } from './call-refusals';

export interface V2ErrorBody {
  code: string;
  httpStatusCode: number;
  message: string;
}

const jsonHeaders = { 'Content-Type': 'application/json; charset=utf-8' };

export function v2ErrorBody(code: ErrorCode, detail?: string): V2ErrorBody {
  const mapped = v2Errors[code];
  const status = errorCatalog[code].status;
  // A refusal of the call itself (and any 5xx) keeps its status; every other refusal answers 400, as docs/api.md says.
  const httpStatusCode = keepsItsStatus(code) ? status : 400;
  const name = mapped?.code ?? (httpStatusCode >= 500 ? 'Service.Unavailable' : 'Data.InvalidRequest');
  const base = mapped?.message ?? errorCatalog[code].message;
  return { code: `stberror.Errors.${name}`, httpStatusCode, message: detail ? `${base} (${detail})` : base };
}

export function v2Success(value: unknown, statusCode = 200): APIGatewayProxyResult {
  // A handler with nothing to return has done what was asked: the yml's text/plain `ok`.
  if (value === undefined) return { statusCode, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'ok' };
  return { statusCode, headers: jsonHeaders, body: JSON.stringify(value) };
}

export function v2Error(error: ApiError): APIGatewayProxyResult {
  const body = v2ErrorBody(error.code, error.detail);
  return { statusCode: body.httpStatusCode, headers: jsonHeaders, body: JSON.stringify(body) };
}
