/** SPEC M1 and issue 6's subscriber pages: unsubscribe link, RFC 8058 one-click, languages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createList, subscribe } from './support/lists';
import { listUnsubscribeHeaders, unsubscribeUrl } from '#shared/subscribers/unsubscribe-links';

let app: TestApp;
let api: ApiClient;
let workspaceId: string;
beforeAll(async () => {
  app = await startTestApp();
  ({ api, workspaceId } = await app.newWorkspace());
});
afterAll(() => app.close());

async function listWith(email: string) {
  const listId = await createList(api);
  await subscribe(api, listId, { subscribers: [{ email }] });
  return listId;
}

describe('M1 unsubscribe', () => {
  it('M1: following the link unsubscribes at once with a Korean page; again is harmless; English on request', async () => {
    const listId = await listWith('leave@x.com');
    const url = unsubscribeUrl(app.runtime.deps, workspaceId, listId, 'leave@x.com');
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<html lang="ko">');
    expect(html).toContain('수신거부되었습니다');
    expect((await allSubscribers(api, listId)).get('leave@x.com')?.status).toBe('unsubscribed');
    expect(await counts(api, listId)).toEqual({ subscribed: 0, unsubscribed: 1, autoDeleted: 0, total: 1 });
    const again = await fetch(url, { headers: { 'Accept-Language': 'en-US,en;q=0.9,ko;q=0.5' } });
    expect(again.status).toBe(200);
    const english = await again.text();
    expect(english).toContain('<html lang="en">');
    expect(english).toContain('Already unsubscribed');
    expect(await counts(api, listId)).toEqual({ subscribed: 0, unsubscribed: 1, autoDeleted: 0, total: 1 });
  });

  it('M1: a tampered or foreign token changes nothing and answers 400', async () => {
    const listId = await listWith('stay@x.com');
    const url = unsubscribeUrl(app.runtime.deps, workspaceId, listId, 'stay@x.com');
    const tampered = url.replace(/token=(.)/, (_, c: string) => `token=${c === 'e' ? 'f' : 'e'}`);
    expect((await fetch(tampered)).status).toBe(400);
    expect((await fetch(`${app.url}/v1/subscriptions/unsubscribe?token=`)).status).toBe(400);
    expect((await allSubscribers(api, listId)).get('stay@x.com')?.status).toBe('subscribed');
  });

  it('M1: RFC 8058 one-click POST of List-Unsubscribe=One-Click unsubscribes', async () => {
    const listId = await listWith('click@x.com');
    const headers = listUnsubscribeHeaders(app.runtime.deps, workspaceId, listId, 'click@x.com');
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const target = /^<(.+)>$/.exec(headers['List-Unsubscribe'])![1]!;
    expect(target.startsWith(`${app.url}/v1/subscriptions/unsubscribe?token=`)).toBe(true);
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect((await allSubscribers(api, listId)).get('click@x.com')?.status).toBe('unsubscribed');
    const twice = await fetch(target, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(twice.status).toBe(200);
  });
});
