/**
 * The automated-email API's answers (SPEC A3a, `POST /api/v1.0/auto/{key}`, issue 13): the
 * original answers text, which callers compare byte for byte: `ok` (text/plain) on success, and
 * HTTP 400 with `구독자 상태를 파악할 수 없습니다.` when the address is not a subscribed member
 * of the email's list. Its other refusals (no such email, the 3/s limit, values over 64 KB, a
 * malformed body) have no documented text and keep the v1 envelope with their own status.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ApiError } from '../errors';
import { v1Error, type RequestFacts } from './v1';

const text = (statusCode: number, body: string): APIGatewayProxyResult => ({ statusCode, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body });

export const a3aSuccess = (): APIGatewayProxyResult => text(200, 'ok');

export const a3aError = (error: ApiError, request?: RequestFacts): APIGatewayProxyResult =>
  error.code === 'AUTOMATION_SUBSCRIBER_UNKNOWN' ? text(error.status, error.message) : v1Error(error, request);
