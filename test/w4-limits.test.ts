/** SPEC W4: 10 requests/s per workspace and the 256 KB body cap, as the local server enforces them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app';
import { counts, createList, snapshot, subscribe } from './support/lists';

let app: TestApp;
beforeAll(async () => {
  // The production limits: 10 requests/s, bucket of 10.
  app = await startTestApp({ rateLimit: { perSecond: 10, burst: 10 } });
});
afterAll(() => app.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('W4 limits', () => {
  it('W4: over 10 requests/s per workspace get HTTP 429 in the envelope; other workspaces are not affected', async () => {
    const a = await app.newWorkspace();
    const b = await app.newWorkspace();
    const results = await Promise.all(Array.from({ length: 30 }, () => a.api.get('/v1/lists')));
    const ok = results.filter((r) => r.status === 200).length;
    const limited = results.filter((r) => r.status === 429);
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThanOrEqual(12);
    expect(limited.length).toBe(30 - ok);
    expect(limited[0]!.body).toEqual({
      Ok: false,
      Error: { Code: 'TOO_MANY_REQUESTS', HttpStatusCode: 429, Message: 'API 요청은 1초당 10회로 제한됩니다.' },
      Value: null,
    });
    expect((await b.api.get('/v1/lists')).status).toBe(200);
    await sleep(1100);
    expect((await a.api.get('/v1/lists')).status).toBe(200);
  });

  it('W4: a body over 256 KB gets HTTP 413 and nothing is written; exactly 256 KB is not refused for its size', async () => {
    const { api } = await app.newWorkspace();
    const listId = await createList(api);
    const before = await snapshot(api, listId);
    const base = JSON.stringify({ subscribers: [{ email: 'big@x.com', name: '' }] });
    const padTo = (bytes: number) => base.replace('"name":""', `"name":"${'a'.repeat(bytes - Buffer.byteLength(base))}"`);
    const over = await api.request('POST', `/v1/lists/${listId}/subscribers`, padTo(256 * 1024 + 1));
    expect(over.status).toBe(413);
    expect(over.body.Error).toEqual({ Code: 'PAYLOAD_TOO_LARGE', HttpStatusCode: 413, Message: '요청 본문은 256KB를 넘을 수 없습니다.' });
    expect(await snapshot(api, listId)).toEqual(before);
    await sleep(300);
    const exact = await api.request('POST', `/v1/lists/${listId}/subscribers`, padTo(256 * 1024));
    expect(exact.status).not.toBe(413);
  });

  it('W4: 2,000 typical subscribers fit in one request under the cap and are all added', async () => {
    await sleep(1100);
    const { api } = await app.newWorkspace();
    const listId = await createList(api);
    const subscribers = Array.from({ length: 2000 }, (_, i) => ({
      email: `member${i}@example.co.kr`,
      name: `홍길동${i}`,
      phone: `010-${String(2000 + Math.floor(i / 10000)).slice(-4)}-${String(i).padStart(4, '0')}`,
      $ad_agreed: 'Y',
    }));
    const body = JSON.stringify({ eventOccurredBy: 'MANUAL', subscribers });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(256 * 1024);
    const res = await subscribe(api, listId, body);
    expect(res.status).toBe(200);
    expect(res.body.Value.success).toHaveLength(2000);
    expect(await counts(api, listId)).toEqual({ subscribed: 2000, unsubscribed: 0, autoDeleted: 0, total: 2000 });
  });

  it('W3/R1: a Content-Type other than JSON is refused with 415', async () => {
    await sleep(1100);
    const { api } = await app.newWorkspace();
    const listId = await createList(api);
    const res = await api.request('POST', `/v1/lists/${listId}/subscribers`, JSON.stringify({ subscribers: [] }), {
      'Content-Type': 'text/plain',
    });
    expect(res.status).toBe(415);
    expect(res.body.Error?.Code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
