/**
 * One answer convention per API version (issue 13): the path decides, never the handler.
 * `/v2/...` answers as the public v2 API does (./v2.ts); everything else keeps the v1
 * `{Ok, Error, Value}` envelope (./v1.ts), but for the automated-email API's text answers (./a3a.ts). The api-handler middleware, the local server's
 * own answers and the gateway responses (infra/constructs/api.ts) all choose through here.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ApiError } from '../errors';
import { okResponse } from '../envelope';
import { v1Error, type RequestFacts } from './v1';
import { a3aError, a3aSuccess } from './a3a';
import { v2Error, v2Success } from './v2';

export type { RequestFacts };

export type ApiVersion = 'v1' | 'v2';

export interface Convention {
  readonly version: ApiVersion;
  /** `value` undefined: done, nothing to return (v1: Value null; v2: text `ok`). */
  success(value: unknown, statusCode?: number): APIGatewayProxyResult;
  /** `request`: what of the request decides the status (v1's rule, ./v1.ts); absent, the error's own. */
  error(error: ApiError, request?: RequestFacts): APIGatewayProxyResult;
}

const v1: Convention = {
  version: 'v1',
  success: (value, statusCode) => okResponse(value === undefined ? null : value, statusCode),
  error: v1Error,
};

const v2: Convention = { version: 'v2', success: v2Success, error: v2Error };

/** v1's automated-email API answers text (./a3a.ts). */
const a3a: Convention = { version: 'v1', success: a3aSuccess, error: a3aError };
export const isA3a = (path: string) => /^\/api\/v1\.0\/auto(\/|$)/.test(path);

export const versionOf = (path: string | undefined | null): ApiVersion => (path && /^\/v2(\/|$)/.test(path) ? 'v2' : 'v1');

export const conventionOf = (path: string | undefined | null): Convention => (versionOf(path) === 'v2' ? v2 : path && isA3a(path) ? a3a : v1);
