/** SPEC W4 (10 requests/s per workspace, 256 KB bodies) and W3 (JSON bodies), with the production limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, clientFrom, startTestApp, type ApiClient, type ApiResponse, type TestApp } from './support/app';
import { counts, createList, snapshot, subscribe } from './support/lists';
import type { SubscribeResult } from '#shared/subscribers/buckets';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ rateLimit: { perSecond: 10, burst: 10 } });
  // A cold process spreads a burst's key look-ups over half a second (connections to the table,
  // JIT), during which the bucket refills: warm up with throwaway workspaces so a burst is a burst.
  for (let round = 0; round < 3; round++) {
    const spare = await Promise.all([app.newWorkspace(), app.newWorkspace(), app.newWorkspace(), app.newWorkspace()]);
    await Promise.all(spare.flatMap((w) => Array.from({ length: 10 }, () => w.api.get('/v1/lists'))));
  }
});
afterAll(() => app.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CAP = 256 * 1024;
const tooMany = {
  Ok: false,
  Error: { Code: 'TOO_MANY_REQUESTS', HttpStatusCode: 429, Message: 'API 요청은 1초당 10회로 제한됩니다.' },
  Value: null,
};

/**
 * For setup and verification only, never for the request under test: waits out the throttle
 * (a 429 is answered before any handler runs, so repeating it is safe).
 */
function patient(api: ApiClient): ApiClient {
  const request: ApiClient['request'] = async <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    for (;;) {
      const res: ApiResponse<T> = await api.request<T>(method, path, body, headers);
      if (res.status !== 429) return res;
      await sleep(120);
    }
  };
  return clientFrom(request);
}

async function freshWorkspace() {
  const ws = await app.newWorkspace();
  return { ...ws, slow: patient(ws.api) };
}

/** A subscribe body of exactly `bytes` bytes: valid JSON, padded with insignificant whitespace. */
function subscribeBodyOf(bytes: number, subscribers: unknown[]): string {
  const json = JSON.stringify({ eventOccurredBy: 'MANUAL', subscribers });
  const pad = bytes - Buffer.byteLength(json);
  expect(pad).toBeGreaterThanOrEqual(0);
  return json + ' '.repeat(pad);
}

describe('W4 throttle', () => {
  it('W4: 30 parallel requests of one workspace: 10 to 12 pass, the rest get HTTP 429 TOO_MANY_REQUESTS; others are not affected', async () => {
    const a = await freshWorkspace();
    const b = await freshWorkspace();
    const [burst, other] = await Promise.all([
      Promise.all(Array.from({ length: 30 }, () => a.api.get('/v1/lists'))),
      Promise.all(Array.from({ length: 8 }, () => b.api.get('/v1/lists'))),
    ]);
    const passed = burst.filter((r) => r.status === 200);
    const limited = burst.filter((r) => r.status === 429);
    expect(passed.length).toBeGreaterThanOrEqual(10);
    expect(passed.length).toBeLessThanOrEqual(12);
    expect(limited.length).toBe(30 - passed.length);
    for (const r of limited) {
      expect(r.body).toEqual(tooMany);
      expect(r.headers.get('content-type')).toContain('application/json');
    }
    expect(other.map((r) => r.status)).toEqual(Array(8).fill(200));

    await sleep(1100);
    const again = await Promise.all(Array.from({ length: 10 }, () => a.api.get('/v1/lists')));
    expect(again.map((r) => r.status)).toEqual(Array(10).fill(200));
  });

  it('W4: the limit is per workspace, shared by all of its keys', async () => {
    const a = await freshWorkspace();
    const second = await a.slow.post<{ secret: string }>('/v1/api-keys', { name: 'second' });
    const other = apiClient(app.url, second.body.Value.secret);
    await sleep(1100);
    const results = await Promise.all([
      ...Array.from({ length: 15 }, () => a.api.get('/v1/lists')),
      ...Array.from({ length: 15 }, () => other.get('/v1/lists')),
    ]);
    const passed = results.filter((r) => r.status === 200).length;
    expect(passed).toBeGreaterThanOrEqual(10);
    expect(passed).toBeLessThanOrEqual(12);
    expect(results.filter((r) => r.status === 429)).toHaveLength(30 - passed);
  });

  it('W4: throttled writes write nothing; the admitted ones are all applied', async () => {
    const a = await freshWorkspace();
    const listId = await createList(a.slow);
    await sleep(1100);
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => subscribe(a.api, listId, { subscribers: [{ email: `t${i}@x.com` }] })),
    );
    const admitted = results.flatMap((r, i) => (r.status === 200 ? [`t${i}@x.com`] : []));
    expect(admitted.length).toBeGreaterThanOrEqual(10);
    expect(admitted.length).toBeLessThanOrEqual(12);
    for (const r of results) if (r.status !== 200) expect(r.body).toEqual(tooMany);
    const subs = await snapshot(a.slow, listId);
    expect(subs.subscribers.map((s) => s.email).sort()).toEqual(admitted.sort());
    expect(subs.counts.total).toBe(admitted.length);
  });
});

describe('W4 body cap', () => {
  it('W4: a body of 256 KB + 1 byte gets HTTP 413 PAYLOAD_TOO_LARGE and nothing is written', async () => {
    const { api, slow } = await freshWorkspace();
    const listId = await createList(slow);
    const before = await snapshot(slow, listId);
    const over = await api.request('POST', `/v1/lists/${listId}/subscribers`, subscribeBodyOf(CAP + 1, [{ email: 'over@x.com', name: '초과' }]));
    expect(over.status).toBe(413);
    expect(over.body).toEqual({
      Ok: false,
      Error: { Code: 'PAYLOAD_TOO_LARGE', HttpStatusCode: 413, Message: '요청 본문은 256KB를 넘을 수 없습니다.' },
      Value: null,
    });
    // The other body-taking endpoints refuse it the same way.
    const emailsOver = JSON.stringify(['over@x.com']) + ' '.repeat(CAP);
    for (const [method, path] of [
      ['DELETE', `/v1/lists/${listId}/subscribers`],
      ['PUT', `/v1/lists/${listId}/subscribers/unsubscribe`],
    ] as const) {
      const res = await slow.request(method, path, emailsOver);
      expect(res.status, path).toBe(413);
      expect(res.body.Error?.Code).toBe('PAYLOAD_TOO_LARGE');
    }
    const bigList = await slow.request('POST', '/v2/lists', JSON.stringify({ name: 'big' }) + ' '.repeat(CAP));
    expect(bigList.status).toBe(413);
    expect(await snapshot(slow, listId)).toEqual(before);
    expect((await slow.get<{ name: string }[]>('/v1/lists')).body.Value.map((l) => l.name)).not.toContain('big');
  });

  it('W4: the cap counts bytes, not characters: Korean text over 256 KB in UTF-8 is refused', async () => {
    const { slow } = await freshWorkspace();
    const listId = await createList(slow);
    // 90,000 Hangul syllables: 90,000 characters, 270,000 bytes.
    const body = JSON.stringify({ subscribers: [{ email: 'kr@x.com', name: '가'.repeat(90_000) }] });
    expect(body.length).toBeLessThan(CAP);
    expect(Buffer.byteLength(body)).toBeGreaterThan(CAP);
    const res = await slow.request('POST', `/v1/lists/${listId}/subscribers`, body);
    expect(res.status).toBe(413);
    expect(await counts(slow, listId)).toEqual({ subscribed: 0, unsubscribed: 0, autoDeleted: 0, total: 0 });
  });

  it('W4: a body of exactly 256 KB is not refused for its size, and is applied', async () => {
    const { api, slow } = await freshWorkspace();
    const listId = await createList(slow);
    const body = subscribeBodyOf(CAP, [{ email: 'exact@x.com', name: '딱 맞음' }]);
    expect(Buffer.byteLength(body)).toBe(CAP);
    const res = await api.request<SubscribeResult>('POST', `/v1/lists/${listId}/subscribers`, body);
    expect(res.status).toBe(200);
    expect(res.body.Value.success.map((s) => s.email)).toEqual(['exact@x.com']);
    expect(await counts(slow, listId)).toEqual({ subscribed: 1, unsubscribed: 0, autoDeleted: 0, total: 1 });
  });

  it('W4: 2,000 typical subscribers (email, Korean name, phone) fit under 256 KB and are all added in one request', async () => {
    const { api, slow } = await freshWorkspace();
    const listId = await createList(slow);
    const family = ['김', '이', '박', '최', '정', '강', '조', '윤', '장', '임'];
    const given = ['민준', '서연', '도윤', '하은', '시우', '지민', '예준', '수아', '주원', '지우'];
    const subscribers = Array.from({ length: 2000 }, (_, i) => ({
      email: `member${String(i).padStart(4, '0')}@example.co.kr`,
      name: `${family[i % 10]}${given[Math.floor(i / 10) % 10]}`,
      phone: `010-${String(1000 + i)}-${String(5000 + i).slice(-4)}`,
      $ad_agreed: i % 2 ? 'Y' : 'N',
    }));
    const body = JSON.stringify({ eventOccurredBy: 'MANUAL', confirmEmailYN: 'N', groupIds: [], subscribers });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(CAP);
    const res = await api.request<SubscribeResult>('POST', `/v1/lists/${listId}/subscribers`, body);
    expect(res.status).toBe(200);
    expect(res.body.Ok).toBe(true);
    expect(res.body.Value.success).toHaveLength(2000);
    for (const [bucket, entries] of Object.entries(res.body.Value)) if (bucket !== 'success') expect(entries, bucket).toEqual([]);
    expect(new Set(res.body.Value.success.map((s) => s.email)).size).toBe(2000);
    expect(await counts(slow, listId)).toEqual({ subscribed: 2000, unsubscribed: 0, autoDeleted: 0, total: 2000 });
  });
});

describe('W3 JSON bodies', () => {
  it('W3: malformed JSON gets INVALID_JSON (HttpStatusCode 400, in an HTTP 200 on v1) and nothing is written', async () => {
    const { api, slow } = await freshWorkspace();
    const listId = await createList(slow);
    const before = await snapshot(slow, listId);
    for (const text of ['{"subscribers": [{"email": "a@x.com"}', '[ "a@x.com", ]', "{'subscribers': []}", 'subscribers=a@x.com']) {
      const res = await api.request('POST', `/v1/lists/${listId}/subscribers`, text);
      // A v1 write reports the refusal in the envelope of an HTTP 200, as the original (issue 13).
      expect(res.status, text).toBe(200);
      expect(res.body).toEqual({ Ok: false, Error: { Code: 'INVALID_JSON', HttpStatusCode: 400, Message: '요청 본문이 올바른 JSON이 아닙니다.' }, Value: null });
    }
    expect((await slow.request('DELETE', `/v1/lists/${listId}/subscribers`, '["a@x.com"')).body.Error?.Code).toBe('INVALID_JSON');
    expect(await snapshot(slow, listId)).toEqual(before);
  });

  it('W3 (issue 14): a path with malformed percent-encoding is a bad request (400), not a server error', async () => {
    const { api } = await freshWorkspace();
    for (const [method, path] of [['GET', '/v2/lists/%E0%A4%A'], ['GET', '/v1/lists/%/subscribers'], ['DELETE', '/v2/lists/1/fields/%ZZ']] as const) {
      const res = await api.request(method, path);
      expect(res.status, path).toBe(400);
      // Each version's own shape (issue 13): the v1 envelope, the v2 error object.
      if (path.startsWith('/v1')) expect(res.body.Error?.Code, path).toBe('INVALID_REQUEST');
      else expect(res.error?.code, path).toMatch(/^stberror\.Errors\./);
    }
  });

  it('W3: a Content-Type other than application/json gets UNSUPPORTED_MEDIA_TYPE (HttpStatusCode 415, in an HTTP 200 on v1) and nothing is written', async () => {
    const { api, slow } = await freshWorkspace();
    const listId = await createList(slow);
    const before = await snapshot(slow, listId);
    const json = JSON.stringify({ subscribers: [{ email: 'typed@x.com' }] });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/plain; charset=utf-8']) {
      const res = await api.request('POST', `/v1/lists/${listId}/subscribers`, json, { 'Content-Type': type });
      expect(res.status, type).toBe(200);
      expect(res.body).toMatchObject({ Ok: false, Error: { Code: 'UNSUPPORTED_MEDIA_TYPE', HttpStatusCode: 415 }, Value: null });
    }
    expect(await snapshot(slow, listId)).toEqual(before);
    // The same body as JSON is accepted, with or without a charset.
    const ok = await slow.request('POST', `/v1/lists/${listId}/subscribers`, json, { 'Content-Type': 'application/json; charset=utf-8' });
    expect(ok.status).toBe(200);
    expect((await counts(slow, listId)).total).toBe(1);
  });
});
