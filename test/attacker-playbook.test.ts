/**
 * Issue 14: the attacker's playbook. Each test is one move of someone with an ordinary account,
 * or of anyone holding a link from an email, and shows that it gets nowhere and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { claimConfirmationSlot, CONFIRMATION_SLOT_SECONDS } from '#shared/subscribers/confirmation-slot';
import { verifiedSender } from './support/senders';
import { confirmRequest, expectSender, SPOOF_NAME, spoofingList } from './support/sender-spoofing';
import { createHmac } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { apiClient, startTestApp, useTestApp, type ApiClient, type TestApp } from './support/app';
import { createWorkspace } from '#shared/workspaces/workspaces';
import { createApiKey } from '#shared/workspaces/api-keys';
import { startConnect, valueOf } from './support/integrations';
import { consentForm, newBrowser, submitConsent } from './support/browser';
import { createTokenBucketLimiter } from '#shared/local/rate-limiter';
import { allSubscribers, createList, listBasics } from './support/lists';
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

describe('a tenant sending as someone else (sender spoofing)', () => {
  it("a list's senderName of `Evil\" <ceo@bank.example>, \"x` stays a display name in the confirmation mail's From (and its Message-ID)", async () => {
    const listId = await spoofingList(api, 'spoof-confirm');
    const res = await api.post(`/v1/lists/${listId}/subscribers`, confirmRequest('stranger@example.com'));
    expect(res.body.Ok, res.text).toBe(true);
    const [mail] = await waitFor(() => mailsTo(app, 'stranger@example.com'), (m) => m.length > 0);
    expectSender(mail!, app.runtime.deps.systemSender, SPOOF_NAME);
  });

  it("an automated email's senderName stays a display name: the From is the list's verified sender", async () => {
    const listId = await createList(api, 'spoof-auto');
    await started(api, listId, { subject: 'Spoof', senderName: SPOOF_NAME, senderEmail: 'news@example.com' });
    await add(api, listId, [{ email: 'reader-spoof@example.com' }]);
    const [mail] = await waitFor(() => mailsTo(app, 'reader-spoof@example.com'), (m) => m.length > 0);
    expectSender(mail!, 'news@example.com', SPOOF_NAME);
  });

  it("another workspace's verified sender (or any unverified address) cannot be saved as an automated email's sender: refused, nothing saved", async () => {
    const victimList = await createList(api, 'victim-sender');
    await verifiedSender(api, victimList, 'ceo@bank.example');
    const attacker = await app.newWorkspace();
    const listId = await createList(attacker.api, 'attacker-sender');
    const body = baseAutomation(listId, { senderEmail: 'ceo@bank.example' });
    const refused = await attacker.api.post('/v2/automations', body);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.error).toMatchObject({ code: 'stberror.Errors.Authorization.PermissionDenied', message: expect.stringContaining('발신자') });
    // Adding the address to the attacker's list proves nothing: the link goes to the address's owner.
    expect((await attacker.api.post(`/v2/lists/${listId}/senders`, { email: 'ceo@bank.example' })).json).toEqual({ authorized: false });
    expect((await attacker.api.post('/v2/automations', body)).status).toBe(400);
    expect((await attacker.api.get<unknown[]>(`/v2/automations?listId=${listId}`)).json).toEqual([]);
  });

  it('a running automated email whose sender is no longer a verified sender of the list mails nothing: its sends fail with the reason', async () => {
    const listId = await createList(api, 'sender-gone');
    const email = await started(api, listId, { subject: 'Gone', senderEmail: 'gone@brand.example' });
    // What a race between a sender's removal and a start leaves (the API refuses the removal itself).
    await app.runtime.deps.db.send(new DeleteCommand({ TableName: app.runtime.deps.tableName, Key: keys.listSender(listId, 'gone@brand.example') }));
    await add(api, listId, [{ email: 'reader-gone@example.com' }]);
    const figures = await waitFor(() => dashboard(api, email.automationId), (d) => d.failed === 1);
    expect(figures).toMatchObject({ failed: 1, sent: 0 });
    expect(JSON.stringify(figures.recentFailures)).toContain('SENDER_NOT_VERIFIED');
    expect(await mailsTo(app, 'reader-gone@example.com')).toEqual([]);
  });
});

describe('the public: mail bombing a stranger through double opt-in', () => {
  it('the same `confirmEmailYN: Y` request repeated mails one confirmation per address and list per hour; the first link still confirms', async () => {
    const listId = await createList(api, 'bombing');
    const other = await createList(api, 'bombing-other');
    for (let i = 0; i < 5; i++) {
      const res = await api.post(`/v1/lists/${listId}/subscribers`, confirmRequest('bombed@example.com'));
      expect(res.body.Ok, res.text).toBe(true);
    }
    expect((await api.post(`/v1/lists/${other}/subscribers`, confirmRequest('bombed@example.com'))).body.Ok).toBe(true);
    const mails = await mailsTo(app, 'bombed@example.com');
    expect(mails.map((m) => String(m.subject))).toEqual(['[bombing] 구독을 확인해 주세요', '[bombing-other] 구독을 확인해 주세요']);
    const link = /https?:\/\/\S+\/v1\/subscriptions\/confirm\?token=[^\s"<>]+/.exec(String(mails[0]!.text))![0];
    expect((await fetch(link)).status).toBe(200);
    expect((await allSubscribers(api, listId)).get('bombed@example.com')?.status).toBe('subscribed');
  });

  it('the hour is one conditional put on a small item with a TTL: free again when it has passed, whether or not TTL has deleted it', async () => {
    const deps = app.runtime.deps;
    const t0 = new Date('2030-01-01T00:00:00Z');
    expect(await claimConfirmationSlot(deps, 424242, 'x@example.com', t0)).toBe(true);
    expect(await claimConfirmationSlot(deps, 424242, 'X@example.com', new Date(t0.getTime() + 59 * 60_000))).toBe(false);
    expect(await claimConfirmationSlot(deps, 424243, 'x@example.com', t0)).toBe(true);
    expect(await claimConfirmationSlot(deps, 424242, 'x@example.com', new Date(t0.getTime() + (CONFIRMATION_SLOT_SECONDS + 1) * 1000))).toBe(true);
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

describe('a tenant connecting their workspace to someone else\'s shop (OAuth consent)', () => {
  /** A workspace with its own key, named as its owner likes. */
  const tenant = async (name: string) => {
    const ws = await createWorkspace(app.runtime.deps, name);
    const key = await createApiKey(app.runtime.deps, ws.workspaceId, 'k');
    return { ...ws, api: apiClient(app.url, key.secret) };
  };
  const connectedTo = async (client: ApiClient, provider: string) =>
    valueOf(await client.get<{ provider: string; connected: boolean }[]>('/v2/integrations')).find((p) => p.provider === provider)?.connected;
  const postConfirm = (action: string, state: string, cookie?: string) =>
    fetch(action, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
      body: new URLSearchParams({ state, decision: 'confirm' }).toString(),
    });

  it('a connect link sent to a shop owner names the sender\'s workspace and connects nothing unless the owner confirms', async () => {
    const mallory = await tenant('Mallory <b>Shop</b>');
    const link = (await startConnect(mallory.api, 'sixshop')).authorizeUrl;
    // The shop owner follows it, logged in at Sixshop (the simulator approves at once).
    const owner = newBrowser();
    const page = await owner.open(link);
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain(mallory.workspaceId);
    expect(page.text).toContain('Mallory &lt;b&gt;Shop&lt;/b&gt;');
    expect(page.text).not.toContain('<b>Shop</b>');
    // Before: the shop was connected to Mallory's workspace at this point.
    expect(await connectedTo(mallory.api, 'sixshop')).toBe(false);
    expect((await mallory.api.post('/v2/lists', { name: 'stolen', kind: 'sixshop' })).status).toBe(400);
    // The owner does not know this workspace and cancels; the state is spent for everyone.
    expect((await submitConsent(owner, page.text, 'cancel')).status).toBe(200);
    expect((await submitConsent(owner, page.text, 'confirm')).status).toBe(400);
    expect(await connectedTo(mallory.api, 'sixshop')).toBe(false);
  });

  it('a leaked callback URL (its code) or start link opened in another browser connects nothing, and the owner\'s own flow goes on', async () => {
    const alice = await tenant('Alice');
    const started = await startConnect(alice.api, 'donus');
    const aliceBrowser = newBrowser();
    const start = await aliceBrowser.request(started.authorizeUrl);
    const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callbackUrl = authorize.headers.get('location')!;
    const mallory = newBrowser();
    for (const leaked of [callbackUrl, started.authorizeUrl]) {
      const res = await mallory.open(leaked);
      expect(res.status, leaked).toBe(400);
      expect(res.text).toContain('INTEGRATION_BROWSER_MISMATCH');
      expect(consentForm(res.text)).toBeUndefined();
    }
    expect(await connectedTo(alice.api, 'donus')).toBe(false);
    const consent = await aliceBrowser.open(callbackUrl);
    expect(consent.status).toBe(200);
    expect((await submitConsent(aliceBrowser, consent.text, 'confirm')).status).toBe(200);
    expect(await connectedTo(alice.api, 'donus')).toBe(true);
  });

  it('a page elsewhere posting the confirmation (no cookie, or a cookie of its own) connects nothing', async () => {
    const alice = await tenant('Alice 2');
    const aliceBrowser = newBrowser();
    const consent = await aliceBrowser.open((await startConnect(alice.api, 'sixshop')).authorizeUrl);
    const form = consentForm(consent.text)!;
    // A cross-site form post carries no SameSite=Lax cookie; Mallory's own binding is another flow's.
    const mallory = newBrowser();
    await mallory.open((await startConnect((await tenant('Mallory 2')).api, 'sixshop')).authorizeUrl);
    const malloryCookie = `nl_oauth_sixshop=${mallory.cookies().get('nl_oauth_sixshop')!.value}`;
    for (const cookie of [undefined, malloryCookie, 'nl_oauth_sixshop=forged']) {
      const res = await postConfirm(form.action, form.state, cookie);
      expect(res.status, String(cookie)).toBe(400);
      expect(await res.text()).toContain('INTEGRATION_BROWSER_MISMATCH');
    }
    expect(await connectedTo(alice.api, 'sixshop')).toBe(false);
    // Refusals spend nothing: Alice can still confirm in her own browser.
    expect((await submitConsent(aliceBrowser, consent.text, 'confirm')).status).toBe(200);
  });
});

describe('the public: flooding the public endpoints', () => {
  // Five requests per address, refilled too slowly to matter during the test.
  let tight: TestApp;
  let keyed: ApiClient;
  beforeAll(async () => {
    tight = await startTestApp({ publicRateLimit: { perSecond: 0.001, burst: 5 } });
    keyed = (await tight.newWorkspace()).api;
  });
  afterAll(() => tight?.close());

  /** A GET from another loopback address (Linux routes all of 127/8 to lo). */
  const getFrom = (url: string, localAddress: string) =>
    new Promise<number>((resolve, reject) => {
      httpGet(url, { localAddress }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject);
    });

  it('a flood of addresses costs bounded memory: full buckets are forgotten past 10,000 addresses, draining ones are kept', () => {
    let t = 0;
    const limiter = createTokenBucketLimiter(1, 1, () => t);
    for (let i = 0; i < 10_000; i++) expect(limiter.take(`10.0.${i >> 8}.${i & 255}`)).toBe(true);
    // Every bucket is empty now: none may be forgotten (each would get a fresh burst).
    expect(limiter.take('192.0.2.1')).toBe(true);
    expect(limiter.size()).toBe(10_001);
    expect(limiter.take('10.0.0.0')).toBe(false);
    t += 1000; // a second later every bucket is full again: no different from no bucket
    expect(limiter.take('192.0.2.2')).toBe(true);
    expect(limiter.size()).toBe(1);
  });

  it('past its bucket an address gets 429 in the API\'s shape on every public route; keyed calls, SNS and other addresses go on', async () => {
    const pixel = `${tight.url}/v1/t/open/anything.gif`;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(pixel);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/gif');
      await res.arrayBuffer();
    }
    const refused = await fetch(pixel);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { Error: { Code: string } }).Error.Code).toBe('PUBLIC_RATE_LIMITED');
    for (const [method, path] of [
      ['GET', '/v1/t/click/x'],
      ['GET', '/v1/subscriptions/confirm?token=x'],
      ['GET', '/v1/subscriptions/unsubscribe?token=x'],
      ['POST', '/v1/subscriptions/unsubscribe?token=x'],
      ['GET', '/v2/integrations/sixshop/start?state=x'],
      ['GET', '/v2/integrations/sixshop/callback?state=x'],
      ['POST', '/v2/integrations/sixshop/confirm'],
      ['GET', '/docs'],
    ]) {
      const res = await fetch(`${tight.url}${path}`, { method, redirect: 'manual' });
      expect(res.status, `${method} ${path}`).toBe(429);
      // In the path's version's shape (issue 13): the v1 envelope's code, the v2 error object's.
      expect(await res.text()).toContain(path!.startsWith('/v2') ? 'stberror.Errors.Data.TooManyRequests' : 'PUBLIC_RATE_LIMITED');
    }
    // An API key's calls are the usage plan's business, not the address's.
    expect((await keyed.get('/v1/lists')).status).toBe(200);
    // SNS posts bounces from AWS's addresses in bursts: refused only for its signature.
    const sns = await fetch(`${tight.url}/v1/ses/notifications`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'text/plain' } });
    expect([sns.status, await sns.text()]).toEqual([403, 'signature refused']);
    // Another reader's address has its own bucket.
    expect(await getFrom(pixel, '127.0.0.2')).toBe(200);
  });
});
