/**
 * Operator smoke test (issue 11): `npm run smoke -- --url <api base> --key <AccessToken>`.
 * Against a deployed API (the last deploy step, docs/deploy.md) or `npm start`: creates a
 * throwaway list, subscribes one address, reads it back, checks the documentation pages and that
 * the open pixel is a GIF, and deletes what it made. One line per check; exit code 1 if any failed.
 */
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
  const call = async (method: string, path: string, body?: unknown, auth = true) => {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: { ...(auth ? { AccessToken: options.key } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  };
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
    const { res, bytes } = await call('POST', '/v2/lists', {
      name: `smoke ${stamp}`,
      senderName: 'smoke',
      companyName: 'smoke test',
      companyContact: '000',
      companyAddress: 'smoke test',
    });
    const body = json(bytes) as { id?: number; code?: string };
    expectThat(res.status === 200, `HTTP ${res.status} ${body.code ?? ''}`);
    listId = body.id;
    expectThat(typeof listId === 'number', 'no list id in the answer');
    return `list ${listId}`;
  });
  if (created) {
    const subscribed = await check('subscribe one address', async () => {
      const { res, bytes } = await call('POST', `/v1/lists/${listId}/subscribers`, {
        eventOccurredBy: 'MANUAL',
        confirmEmailYN: 'N',
        subscribers: [{ email, name: 'smoke' }],
      });
      const body = json(bytes);
      const success = (body.Value as { success?: { email?: string }[] } | undefined)?.success ?? [];
      expectThat(res.status === 200 && body.Ok && success.some((s) => s.email === email), `HTTP ${res.status} ${body.Error?.Code ?? JSON.stringify(body.Value)}`);
    });
    if (subscribed) {
      await check('read the subscriber back', async () => {
        const { res, bytes } = await call('GET', `/v1/lists/${listId}/subscribers?limit=10`);
        const body = json(bytes);
        expectThat(res.status === 200 && JSON.stringify(body.Value).includes(email), `HTTP ${res.status}: ${email} not listed`);
      });
    }
  }
  await check('documentation page', async () => {
    const { res, bytes } = await call('GET', '/docs', undefined, false);
    expectThat(res.status === 200 && /text\/html/.test(res.headers.get('content-type') ?? ''), `HTTP ${res.status} ${res.headers.get('content-type')}`);
    expectThat(bytes.toString('utf8').includes('<html'), 'not an HTML page');
  });
  await check('OpenAPI document', async () => {
    const { res, bytes } = await call('GET', '/docs/openapi.json', undefined, false);
    const doc = json(bytes) as { openapi?: string };
    expectThat(res.status === 200 && typeof doc.openapi === 'string', `HTTP ${res.status}`);
  });
  await check('open pixel is a GIF', async () => {
    const { res, bytes } = await call('GET', '/v1/t/open/smoke-check.gif', undefined, false);
    expectThat(res.status === 200, `HTTP ${res.status}`);
    expectThat(res.headers.get('content-type') === 'image/gif', `Content-Type ${res.headers.get('content-type')}`);
    expectThat(bytes.subarray(0, 6).toString('latin1') === 'GIF89a', `not GIF bytes: ${JSON.stringify(bytes.subarray(0, 12).toString('latin1'))}`);
    return `${bytes.length} bytes`;
  });
  if (listId !== undefined) {
    await check('delete the throwaway list', async () => {
      const { res, bytes } = await call('DELETE', `/v2/lists/${listId}`);
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
