/**
 * Operator smoke test (issue 11): `npm run smoke -- --url <api base> --key <AccessToken>`.
 * Against a deployed API (the last deploy step, docs/deploy.md) or `npm start`: creates a
 * throwaway list, subscribes one address, reads it back, checks the documentation pages and that
 * the open pixel is a GIF, and deletes what it made. One line per check; exit code 1 if any failed.
 *
 * Issue 17: every call goes through the typed client (client/), so `tsc -p .` checks each path,
 * parameter and body against the OpenAPI document, and every answer is checked against the
 * document (shared/http/openapi-validation.ts): a deployed API that answers otherwise fails its check.
 */
import { createApiClient } from '../client/index';
import { validating } from '#shared/http/openapi-validation';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The committed document, read rather than imported (its literal type would only slow `tsc`). */
const openapi = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', 'docs/openapi.json'), 'utf8')) as Record<string, unknown>;
export interface SmokeCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail?: string;
}

export interface SmokeOptions {
  /** API base, e.g. https://abc.execute-api.ap-northeast-2.amazonaws.com/prod/ or http://127.0.0.1:3000 */
  readonly url: string;
  readonly key: string;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
}

class CheckFailed extends Error {}

const expectThat = (condition: unknown, message: string): void => {
  if (!condition) throw new CheckFailed(message);
};

export async function runSmoke(options: SmokeOptions): Promise<SmokeCheck[]> {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const stamp = (options.now?.() ?? new Date()).toISOString().replace(/\D/g, '').slice(0, 14);
  const email = `smoke+${stamp}@example.com`;
  const checks: SmokeCheck[] = [];
  // openapi-fetch hands fetch a Request; the injectable fetch (tests) gets the URL and init it always got.
  const viaFetch = async (request: Request) =>
    doFetch(request.url, { method: request.method, headers: request.headers, ...(request.body ? { body: await request.text() } : {}) });
  const api = createApiClient(base, options.key, { fetch: viaFetch });
  const anonymous = createApiClient(base, undefined, { fetch: viaFetch });
  for (const client of [api, anonymous]) client.use(validating(openapi));
  /** The answer's bytes: openapi-fetch hands a success over as a stream (parseAs) and has already read a refusal's text. */
  const read = async ({ response, data, error }: { response: Response; data?: unknown; error?: unknown }) => ({
    res: response,
    bytes: response.ok
      ? Buffer.from(await new Response(data as ReadableStream | null).arrayBuffer())
      : Buffer.from(typeof error === 'string' ? error : JSON.stringify(error ?? '')),
  });
  const json = (bytes: Buffer): { Ok?: boolean; Value?: unknown; Error?: { Code?: string } | null } => {
    try {
      return JSON.parse(bytes.toString('utf8')) as { Ok?: boolean; Value?: unknown };
    } catch {
      throw new CheckFailed(`not JSON: ${bytes.toString('utf8').slice(0, 80)}`);
    }
  };
  const check = async (name: string, run: () => Promise<string | void>): Promise<boolean> => {
    const started = performance.now();
    try {
      const detail = await run();
      checks.push({ name, ok: true, ms: Math.round(performance.now() - started), ...(detail ? { detail } : {}) });
      return true;
    } catch (error) {
      checks.push({ name, ok: false, ms: Math.round(performance.now() - started), detail: (error as Error).message });
      return false;
    }
  };

  let listId: number | undefined;
  const created = await check('create a throwaway list', async () => {
    // The v2 API answers bare JSON (`{id}`) and refuses with {code, httpStatusCode, message}.
    const { res, bytes } = await read(await api.POST('/v2/lists', {
      body: { name: `smoke ${stamp}`, senderName: 'smoke', companyName: 'smoke test', companyContact: '000', companyAddress: 'smoke test' },
      parseAs: 'stream',
    }));
    const body = json(bytes) as { id?: number; code?: string };
    expectThat(res.status === 200, `HTTP ${res.status} ${body.code ?? ''}`);
    listId = body.id;
    expectThat(typeof listId === 'number', 'no list id in the answer');
    return `list ${listId}`;
  });
  if (created) {
    const subscribed = await check('subscribe one address', async () => {
      const { res, bytes } = await read(await api.POST('/v1/lists/{listId}/subscribers', {
        params: { path: { listId: String(listId) } },
        body: { eventOccurredBy: 'MANUAL', confirmEmailYN: 'N', subscribers: [{ email, name: 'smoke' }] },
        parseAs: 'stream',
      }));
      const body = json(bytes);
      const success = (body.Value as { success?: { email?: string }[] } | undefined)?.success ?? [];
      expectThat(res.status === 200 && body.Ok && success.some((s) => s.email === email), `HTTP ${res.status} ${body.Error?.Code ?? JSON.stringify(body.Value)}`);
    });
    if (subscribed) {
      await check('read the subscriber back', async () => {
        const { res, bytes } = await read(await api.GET('/v1/lists/{listId}/subscribers', {
          params: { path: { listId: String(listId) }, query: { limit: 10 } },
          parseAs: 'stream',
        }));
        const body = json(bytes);
        expectThat(res.status === 200 && JSON.stringify(body.Value).includes(email), `HTTP ${res.status}: ${email} not listed`);
      });
    }
  }
  await check('documentation page', async () => {
    const { res, bytes } = await read(await anonymous.GET('/docs', { parseAs: 'stream' }));
    expectThat(res.status === 200 && /text\/html/.test(res.headers.get('content-type') ?? ''), `HTTP ${res.status} ${res.headers.get('content-type')}`);
    expectThat(bytes.toString('utf8').includes('<html'), 'not an HTML page');
  });
  await check('OpenAPI document', async () => {
    const { res, bytes } = await read(await anonymous.GET('/docs/openapi.json', { parseAs: 'stream' }));
    const doc = json(bytes) as { openapi?: string };
    expectThat(res.status === 200 && typeof doc.openapi === 'string', `HTTP ${res.status}`);
  });
  await check('open pixel is a GIF', async () => {
    const { res, bytes } = await read(await anonymous.GET('/v1/t/open/{token}', { params: { path: { token: 'smoke-check.gif' } }, parseAs: 'stream' }));
    expectThat(res.status === 200, `HTTP ${res.status}`);
    expectThat(res.headers.get('content-type') === 'image/gif', `Content-Type ${res.headers.get('content-type')}`);
    expectThat(bytes.subarray(0, 6).toString('latin1') === 'GIF89a', `not GIF bytes: ${JSON.stringify(bytes.subarray(0, 12).toString('latin1'))}`);
    return `${bytes.length} bytes`;
  });
  if (listId !== undefined) {
    await check('delete the throwaway list', async () => {
      const { res, bytes } = await read(await api.DELETE('/v2/lists/{listId}', { params: { path: { listId: String(listId) } }, parseAs: 'stream' }));
      expectThat(res.status === 200 && bytes.toString('utf8') === 'ok', `HTTP ${res.status} ${bytes.toString('utf8').slice(0, 120)}`);
    });
  }
  return checks;
}

export const formatCheck = (c: SmokeCheck): string => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.ms} ms)${c.detail ? `: ${c.detail}` : ''}`;

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { url: { type: 'string' }, key: { type: 'string' } } });
  const key = values.key ?? process.env.ACCESS_TOKEN;
  if (!values.url || !key) {
    process.stderr.write('usage: npm run smoke -- --url <api base URL> --key <AccessToken>   (or ACCESS_TOKEN=...)\n');
    process.exit(2);
  }
  const checks = await runSmoke({ url: values.url, key });
  for (const c of checks) process.stdout.write(`${formatCheck(c)}\n`);
  const failed = checks.filter((c) => !c.ok).length;
  process.stdout.write(failed ? `${failed} of ${checks.length} checks failed\n` : `all ${checks.length} checks passed\n`);
  process.exit(failed ? 1 : 0);
}
