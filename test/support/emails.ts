/** The v2 answer convention's checks, for the /emails tests (issue 15). */
import { expect } from 'vitest';

export const expectOk = (res: { status: number; text: string; headers: Headers }) => {
  expect(res.status, res.text).toBe(200);
  expect(res.text).toBe('ok');
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
};
export const expectRefused = (res: { status: number; text: string; error?: { code: string; httpStatusCode: number; message: string } }, code: string, status = 400) => {
  expect(res.status, res.text).toBe(status);
  expect(res.error, res.text).toEqual({ code: `stberror.Errors.${code}`, httpStatusCode: status, message: expect.stringMatching(/[가-힣]/) });
};
