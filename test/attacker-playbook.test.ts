/**
 * Issue 14: the attacker's playbook. Each test is one move of someone with an ordinary account,
 * or of anyone holding a link from an email, and shows that it gets nowhere and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createHmac } from 'node:crypto';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, createList } from './support/lists';
import { add, baseAutomation, dashboard, mailsTo, started, waitFor } from './support/automations';

let app: TestApp;
let api: ApiClient;
let workspaceId: string;
const SIGNING_SECRET = 'playbook-'.repeat(8);
useTestApp((s) => ({ app, api, workspaceId } = s), { signingSecret: SIGNING_SECRET });

/** The tracking and unsubscribe links of the first mail to `email`. */
async function linksOf(email: string, subject: string) {
  const [mail] = await waitFor(
    async () => (await mailsTo(app, email)).filter((m) => String(m.subject) === subject),
    (found) => found.length > 0,
  );
  const html = String(mail!.html);
  const header = mail!.headerLines.find((h) => h.key === 'list-unsubscribe')!.line;
  const click = /href="([^"]*\/v1\/t\/click\/[^"]+)"/.exec(html)?.[1];
  return {
    pixel: /src="([^"]*\/v1\/t\/open\/[^"]+)"/.exec(html)![1]!,
    ...(click ? { click } : {}),
    unsubscribe: /<([^>]+)>/.exec(header)![1]!.replace(/\s+/g, ''),
  };
}
const tokenOf = (url: string) => decodeURIComponent(new URL(url).searchParams.get('token') ?? new URL(url).pathname.split('/').pop()!.replace(/\.gif$/, ''));

describe('the public: someone holding links from an email', () => {
  it('an open-pixel or click token used as an unsubscribe link unsubscribes no one', async () => {
    const listId = await createList(api, 'purpose');
    const email = await started(api, listId, { subject: 'Purpose', html: '<p><a href="https://example.com/x">x</a></p>' });
    await add(api, listId, [{ email: 'victim@example.com' }]);
    const links = await linksOf('victim@example.com', 'Purpose');
    for (const stolen of [links.pixel, links.click!]) {
      const res = await fetch(`${app.url}/v1/subscriptions/unsubscribe?token=${encodeURIComponent(tokenOf(stolen))}`);
      expect(res.status).toBe(400);
    }
    expect((await allSubscribers(api, listId)).get('victim@example.com')?.status).toBe('subscribed');
    // The real link still works.
    expect((await fetch(links.unsubscribe)).status).toBe(200);
    expect((await allSubscribers(api, listId)).get('victim@example.com')?.status).toBe('unsubscribed');
    expect((await dashboard(api, email.automationId)).opens).toBe(0);
  });

  it('an unsubscribe token used on the pixel or the click redirect counts nothing and writes nothing', async () => {
    const listId = await createList(api, 'junk');
    const email = await started(api, listId, { subject: 'Junk', html: '<p>hi</p>' });
    await add(api, listId, [{ email: 'reader@example.com' }]);
    const links = await linksOf('reader@example.com', 'Junk');
    const unsubscribeToken = tokenOf(links.unsubscribe);
    const pixel = await fetch(`${app.url}/v1/t/open/${encodeURIComponent(unsubscribeToken)}.gif`);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    expect((await fetch(`${app.url}/v1/t/click/${encodeURIComponent(unsubscribeToken)}`, { redirect: 'manual' })).status).toBe(400);
    const junk = await app.runtime.deps.db.send(
      new QueryCommand({ TableName: app.runtime.deps.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'SEND#undefined' } }),
    );
    expect(junk.Items).toEqual([]);
    expect(await dashboard(api, email.automationId)).toMatchObject({ opens: 0, clicks: 0 });
  });

  it('no link in an email shows the address it was sent to, in any encoding', async () => {
    const listId = await createList(api, 'opaque');
    await started(api, listId, { subject: 'Opaque', html: '<p><a href="https://example.com/y">y</a></p>' });
    await add(api, listId, [{ email: 'private.person@example.com' }]);
    const links = await linksOf('private.person@example.com', 'Opaque');
    for (const url of Object.values(links)) {
      const decoded = tokenOf(url)
        .split('.')
        .map((part) => Buffer.from(part, 'base64url').toString('latin1'))
        .join(' ');
      expect(`${url} ${decoded}`).not.toMatch(/private\.person|private%2Eperson/i);
    }
  });

  it('links mailed before tokens were sealed keep working for their purpose only', async () => {
    const listId = await createList(api, 'legacy');
    await add(api, listId, [{ email: 'old@example.com' }]);
    // The old format: base64url(payload).expiry.HMAC-SHA256(secret, that), made with the runtime's secret.
    const legacy = (payload: object) => {
      const body = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${Math.floor(Date.now() / 1000) + 3600}`;
      return `${body}.${createHmac('sha256', SIGNING_SECRET).update(body).digest('base64url')}`;
    };
    const oldPixel = legacy({ s: 'send-1', a: 1, l: listId, w: workspaceId, e: 'old@example.com' });
    expect((await fetch(`${app.url}/v1/subscriptions/unsubscribe?token=${encodeURIComponent(oldPixel)}`)).status).toBe(400);
    expect((await allSubscribers(api, listId)).get('old@example.com')?.status).toBe('subscribed');
    const oldUnsubscribe = legacy({ w: workspaceId, l: listId, e: 'old@example.com' });
    expect((await fetch(`${app.url}/v1/subscriptions/unsubscribe?token=${encodeURIComponent(oldUnsubscribe)}`)).status).toBe(200);
    expect((await allSubscribers(api, listId)).get('old@example.com')?.status).toBe('unsubscribed');
  });
});

describe('a tenant writing hostile email content', () => {
  it('a link target with CR/LF is refused when the email is saved, and nothing is saved', async () => {
    const listId = await createList(api, 'crlf');
    for (const html of ['<a href="https://example.com/\r\nSet-Cookie: a=b">x</a>', "<a href='https://example.com/\nLocation: https://evil.example'>x</a>", '<a href="https://example.com/\tx">x</a>']) {
      const res = await api.post('/v2/automations', baseAutomation(listId, { html }));
      expect(res.status, JSON.stringify(html)).toBe(400);
      expect(res.text).toMatch(/control characters/);
    }
    const all = await api.get<unknown[]>(`/v2/automations?listId=${listId}`);
    expect(JSON.stringify(all.body)).not.toContain('Set-Cookie');
  });

  it('an unsubscribe link hidden in an HTML comment does not replace the footer link', async () => {
    const listId = await createList(api, 'hidden-unsubscribe');
    await started(api, listId, { subject: 'Hidden', html: '<p>no way out</p><!-- <a href="$%unsubscribe%$">x</a> -->' });
    await started(api, listId, { subject: 'Shown', html: '<p>bye: <a href="$%unsubscribe%$">수신거부</a></p>' });
    await add(api, listId, [{ email: 'reader3@example.com' }]);
    const html = async (subject: string) => {
      const [mail] = await waitFor(
        async () => (await mailsTo(app, 'reader3@example.com')).filter((m) => String(m.subject) === subject),
        (found) => found.length > 0,
      );
      return String(mail!.html).replace(/<!--[\s\S]*?-->/g, '');
    };
    const unsubscribeLinks = (h: string) => [...h.matchAll(/href="([^"]*\/v1\/subscriptions\/unsubscribe\?token=[^"]+)"/g)].length;
    expect(unsubscribeLinks(await html('Hidden'))).toBe(1);
    expect(unsubscribeLinks(await html('Shown'))).toBe(1);
  });
});

describe('the public: inflating figures', () => {
  it('100 fetches of one pixel and one link in an hour count one open and one click', async () => {
    const listId = await createList(api, 'inflate');
    const email = await started(api, listId, { subject: 'Inflate', html: '<p><a href="https://example.com/z">z</a></p>' });
    await add(api, listId, [{ email: 'counted@example.com' }]);
    const links = await linksOf('counted@example.com', 'Inflate');
    for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 10 }, () => fetch(links.pixel).then((r) => r.arrayBuffer())));
    for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 10 }, () => fetch(links.click!, { redirect: 'manual' }).then((r) => r.arrayBuffer())));
    expect(await dashboard(api, email.automationId)).toMatchObject({ opens: 1, uniqueOpens: 1, clicks: 1, uniqueClicks: 1 });
  });
});
