/**
 * Refusals of the call itself rather than of the request's content: they keep their own HTTP
 * status in both versions (the references are silent; API Gateway's own answers cannot branch on
 * the version, see infra/constructs/api.ts). So does every 5xx, which is the server's state, not
 * the request's fault (STORAGE_FULL, DATABASE_UNAVAILABLE). Every other refusal answers v2's 400
 * or, in v1, the envelope of an HTTP 200 (./v1.ts). docs/api.md lists both rules.
 */
import { errorCatalog, type ErrorCode } from '../errors';

export const callRefusals: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'UNAUTHORIZED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'AUTOMATION_API_RATE',
  'INTERNAL_ERROR',
  'INTEGRATION_NOT_CONFIGURED',
  'INTEGRATION_AUTH_FAILED',
  'INTEGRATION_UNAVAILABLE',
  // The local runtime's and the public routes' own refusals (issues 12, 14).
  'PUBLIC_RATE_LIMITED',
  'STORAGE_FULL',
  'DATABASE_UNAVAILABLE',
  'SUBSCRIBER_TOO_LARGE',
  'AUTOMATION_VALUES_TOO_LARGE',
]);

export const keepsItsStatus = (code: ErrorCode): boolean => callRefusals.has(code) || errorCatalog[code].status >= 500;
