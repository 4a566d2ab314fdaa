/** Issue 11: the operator smoke test (ops/smoke.ts), run as `npm run smoke` runs it, against the embedded default. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { useTestApp, type TestApp, type ApiClient } from './support/app';
import { runSmoke } from '../ops/smoke';

const exec = promisify(execFile);
let app: TestApp;
let key: string;
let api: ApiClient;
useTestApp((s) => ({ app, key, api } = s));

describe('issue 11: npm run smoke', () => {
  it('passes every check against a working API, one line per check, and leaves no list behind', async () => {
    const root = resolve(import.meta.dirname, '..');
    const { stdout } = await exec('npx', ['tsx', 'ops/smoke.ts', '--url', app.url, '--key', key], { cwd: root, timeout: 110_000 });
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, -1)).toEqual([
      expect.stringMatching(/^ok   create a throwaway list \(\d+ ms\): list \d+$/),
      expect.stringMatching(/^ok   subscribe one address /),
      expect.stringMatching(/^ok   read the subscriber back /),
      expect.stringMatching(/^ok   documentation page /),
      expect.stringMatching(/^ok   OpenAPI document /),
      expect.stringMatching(/^ok   open pixel is a GIF \(\d+ ms\): \d+ bytes$/),
      expect.stringMatching(/^ok   delete the throwaway list /),
    ]);
    expect(lines.at(-1)).toBe('all 7 checks passed');
    const lists = await api.get<{ name: string }[] | null>('/v1/lists');
    expect(JSON.stringify(lists.body.Value ?? [])).not.toContain('smoke ');
  }, 120_000);

  it('fails the pixel check, and still cleans up, when the pixel arrives as base64 text (API Gateway without binary media types)', async () => {
    const base64Pixel: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes('/v1/t/open/')) return res;
      const text = Buffer.from(await res.arrayBuffer()).toString('base64');
      return new Response(text, { status: 200, headers: { 'Content-Type': 'image/gif' } });
    };
    const checks = await runSmoke({ url: app.url, key, fetch: base64Pixel });
    expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['open pixel is a GIF']);
    expect(checks.at(-1)).toMatchObject({ name: 'delete the throwaway list', ok: true });
  });

  it('exits 2 with its usage when the URL or key is missing', async () => {
    const root = resolve(import.meta.dirname, '..');
    const failed = await exec('npx', ['tsx', 'ops/smoke.ts'], { cwd: root, timeout: 110_000 }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run smoke') });
  }, 120_000);
});
