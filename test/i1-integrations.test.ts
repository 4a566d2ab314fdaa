/** SPEC I1, I2: connecting Sixshop and Donus with OAuth, linked lists only on a connected workspace. */
import { listBasics } from './support/lists';
import { describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { useTestApp, type TestApp, type TestWorkspace } from './support/app';
import { createHash } from 'node:crypto';
import { connect, startConnect } from './support/integrations';
import { consentForm, newBrowser, submitConsent } from './support/browser';

let app: TestApp;
let ws: TestWorkspace;
useTestApp((started) => {
  app = started.app;
  ws = started;
});

const providersOf = async (api: TestWorkspace['api']) =>
  (await api.get<{ provider: string; connected: boolean; account?: string }[]>('/v2/integrations')).json;

describe('I1 OAuth connection', () => {
  it('I1, issue 14: connect answers our start URL; start binds the browser and sends it to the provider with PKCE; the callback asks; confirm connects', async () => {
    const w = await app.newWorkspace();
    const started = await startConnect(w.api, 'sixshop');
    const url = new URL(started.authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${app.url}/v2/integrations/sixshop/start`);
    expect(url.searchParams.get('state')).toBe(started.state);
    expect(Date.parse(started.expiresAt)).toBeGreaterThan(Date.now());

    const browser = newBrowser();
    const start = await browser.request(started.authorizeUrl);
    expect(start.status).toBe(302);
    const cookie = start.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/^nl_oauth_sixshop=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('Path=/v2/integrations/sixshop');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure'); // http://127.0.0.1: a Secure cookie would never come back
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(app.runtime.simulator!.url);
    expect(authorize.searchParams.get('state')).toBe(started.state);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${app.url}/v2/integrations/sixshop/callback`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const consent = await browser.open(authorize.toString());
    expect(consent.status, consent.text).toBe(200);
    expect(consent.text).toContain(w.workspaceId);
    expect(consent.text).toContain('로컬 식스샵');
    expect(consent.headers.get('x-frame-options')).toBe('DENY');
    expect(consent.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(consent.headers.get('referrer-policy')).toBe('no-referrer');
    expect(consent.headers.get('cache-control')).toBe('no-store');
    // Nothing is connected before the user says so.
    expect((await providersOf(w.api)).find((p) => p.provider === 'sixshop')?.connected).toBe(false);

    const confirmed = await submitConsent(browser, consent.text, 'confirm');
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('연동되었습니다');
    expect(browser.cookies().has('nl_oauth_sixshop')).toBe(false);
    const list = await providersOf(w.api);
    expect(list).toEqual([
      { provider: 'sixshop', connected: true, account: '로컬 식스샵', connectedAt: expect.any(String) },
      { provider: 'donus', connected: false },
    ]);
  });

  it('I1, R3: tokens are stored only encrypted and never returned', async () => {
    const w = await app.newWorkspace();
    await connect(w.api, 'donus');
    const listed = await w.api.get('/v2/integrations');
    expect(listed.text).not.toMatch(/token/i);
    const items = await app.runtime.deps.db.send(
      new QueryCommand({ TableName: app.runtime.deps.tableName, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :s)', ExpressionAttributeValues: { ':pk': `WS#${w.workspaceId}`, ':s': keys.integrationPrefix } }),
    );
    const item = items.Items![0]!;
    expect(String(item.accessTokenEnc)).toMatch(/^l1\./);
    expect(String(item.refreshTokenEnc)).toMatch(/^l1\./);
    const ctx = { workspaceId: w.workspaceId, provider: 'donus' };
    const access = await app.runtime.deps.tokenCipher.decrypt(String(item.accessTokenEnc), ctx);
    expect(access.length).toBeGreaterThan(10);
    expect(JSON.stringify(item)).not.toContain(access);
    // Bound to its workspace: the same ciphertext does not open for another one.
    await expect(app.runtime.deps.tokenCipher.decrypt(String(item.accessTokenEnc), { ...ctx, workspaceId: 'other' })).rejects.toThrow();
  });

  it('I1: a wrong, reused, cross-provider or expired state is refused at every step and connects nothing', async () => {
    const w = await app.newWorkspace();
    const started = await startConnect(w.api, 'sixshop');
    const browser = newBrowser();
    const start = await browser.request(started.authorizeUrl);
    const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const location = new URL(authorize.headers.get('location')!);

    const wrong = new URL(location);
    wrong.searchParams.set('state', 'not-a-state-we-issued');
    const refusedWrong = await browser.open(wrong.toString());
    expect(refusedWrong.status).toBe(400);
    expect(refusedWrong.text).toContain('INTEGRATION_STATE_INVALID');
    expect((await browser.open(`${app.url}/v2/integrations/sixshop/start?state=not-a-state-we-issued`)).text).toContain('INTEGRATION_STATE_INVALID');

    // The state of one provider does not complete the other's flow.
    const crossed = new URL(location.toString().replace('/sixshop/callback', '/donus/callback'));
    expect((await browser.open(crossed.toString())).status).toBe(400);
    expect((await providersOf(w.api)).find((p) => p.provider === 'sixshop')?.connected).toBe(false);

    const consent = await browser.open(location.toString());
    expect(consent.status).toBe(200);
    const form = consentForm(consent.text)!;
    expect((await submitConsent(browser, consent.text, 'confirm')).status).toBe(200);
    // Spent: the callback, the start link and the confirmation all refuse it now.
    for (const again of [location.toString(), started.authorizeUrl]) {
      const res = await browser.open(again);
      expect(res.status, again).toBe(400);
      expect(res.text).toContain('INTEGRATION_STATE_INVALID');
    }
    const confirmAgain = await browser.request(form.action, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state: form.state, decision: 'confirm' }).toString(),
    });
    expect(confirmAgain.status).toBe(400);

    // Expired: more than 10 minutes from connect to the callback, or from the callback to the confirmation.
    const clock = app.runtime.deps.clock as { now: () => Date };
    const realNow = clock.now;
    const later = (minutes: number) => (clock.now = () => new Date(Date.now() + minutes * 60 * 1000));
    try {
      const late = await startConnect(w.api, 'donus');
      const lateBrowser = newBrowser();
      const lateStart = await lateBrowser.request(late.authorizeUrl);
      const lateAuthorize = await fetch(lateStart.headers.get('location')!, { redirect: 'manual' });
      later(11);
      expect((await lateBrowser.open(lateAuthorize.headers.get('location')!)).status).toBe(400);
      clock.now = realNow;
      const late2 = await startConnect(w.api, 'donus');
      later(11);
      expect((await newBrowser().open(late2.authorizeUrl)).status).toBe(400);
      clock.now = realNow;
      const slow = newBrowser();
      const slowConsent = await slow.open((await startConnect(w.api, 'donus')).authorizeUrl);
      expect(slowConsent.status).toBe(200);
      later(11);
      const slowConfirm = await submitConsent(slow, slowConsent.text, 'confirm');
      expect(slowConfirm.status).toBe(400);
      expect(slowConfirm.text).toContain('INTEGRATION_STATE_INVALID');
    } finally {
      clock.now = realNow;
    }
    expect((await providersOf(w.api)).find((p) => p.provider === 'donus')?.connected).toBe(false);
  });

  it('I1, issue 14: cancel on the consent page connects nothing and spends the state', async () => {
    const w = await app.newWorkspace();
    const browser = newBrowser();
    const consent = await browser.open((await startConnect(w.api, 'sixshop')).authorizeUrl);
    const cancelled = await submitConsent(browser, consent.text, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.text).toContain('취소');
    expect((await providersOf(w.api)).find((p) => p.provider === 'sixshop')?.connected).toBe(false);
    expect((await submitConsent(browser, consent.text, 'confirm')).status).toBe(400);
    expect((await providersOf(w.api)).find((p) => p.provider === 'sixshop')?.connected).toBe(false);
  });

  it('I1: reloading the consent page asks again without spending another code; a second connection names the account it replaces', async () => {
    const w = await app.newWorkspace();
    await connect(w.api, 'donus');
    const sim = app.runtime.simulator!.control.donus;
    const browser = newBrowser();
    const consent = await browser.open((await startConnect(w.api, 'donus')).authorizeUrl);
    expect(consent.text).toContain('바뀝니다');
    const exchanges = sim.stats.codeExchanges;
    const reloaded = await browser.open(consent.url);
    expect(reloaded.status).toBe(200);
    expect(consentForm(reloaded.text)).toEqual(consentForm(consent.text));
    expect(sim.stats.codeExchanges).toBe(exchanges);
    expect((await submitConsent(browser, reloaded.text, 'confirm')).status).toBe(200);
  });

  it('I1, issue 14: PKCE: the simulators require an S256 challenge and exchange a code only with its verifier', async () => {
    const sim = app.runtime.simulator!;
    const config = sim.config.sixshop;
    const callback = `${app.url}/v2/integrations/sixshop/callback`;
    const authorize = async (params: Record<string, string>) => {
      const url = new URL(config.authorizeUrl);
      url.search = new URLSearchParams({ response_type: 'code', client_id: config.clientId, redirect_uri: callback, state: 's', ...params }).toString();
      return new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!).searchParams;
    };
    const exchange = (code: string, verifier?: string) =>
      fetch(config.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: callback, client_id: config.clientId, client_secret: config.clientSecret, ...(verifier ? { code_verifier: verifier } : {}) }).toString(),
      });
    expect((await authorize({})).get('error')).toBe('invalid_request');
    expect((await authorize({ code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' })).get('error')).toBe('invalid_request');
    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    for (const wrong of [undefined, 'w'.repeat(43)]) {
      const code = (await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).get('code')!;
      expect((await exchange(code, wrong)).status).toBe(400);
      // Spent by the failed attempt: the right verifier no longer helps a thief who tried first.
      expect((await exchange(code, verifier)).status).toBe(400);
    }
    const code = (await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).get('code')!;
    expect((await exchange(code, verifier)).status).toBe(200);
  });

  it('I1: a provider that refuses our PKCE request is shown as a refusal, and nothing is connected', async () => {
    const w = await app.newWorkspace();
    const browser = newBrowser();
    const started = await startConnect(w.api, 'donus');
    const start = await browser.request(started.authorizeUrl);
    // What a provider answers an authorize request without a challenge, as the simulator does.
    const provider = new URL(start.headers.get('location')!);
    provider.searchParams.delete('code_challenge');
    const refused = await browser.open(provider.toString());
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('INTEGRATION_DENIED');
    expect(refused.text).toContain('invalid_request');
    expect((await providersOf(w.api)).find((p) => p.provider === 'donus')?.connected).toBe(false);
  });

  it('I1: a user who declines at the provider is told so, and nothing is connected', async () => {
    const w = await app.newWorkspace();
    app.runtime.simulator!.control.donus.set({ denyAuthorize: true });
    try {
      const { callbackStatus, callbackText } = await connect(w.api, 'donus');
      expect(callbackStatus).toBe(400);
      expect(callbackText).toContain('INTEGRATION_DENIED');
    } finally {
      app.runtime.simulator!.control.donus.set({ denyAuthorize: false });
    }
    expect((await providersOf(w.api)).find((p) => p.provider === 'donus')?.connected).toBe(false);
  });

  it('I1: disconnect forgets the connection; disconnecting twice says it is not connected', async () => {
    const w = await app.newWorkspace();
    await connect(w.api, 'sixshop');
    const del = await w.api.del('/v2/integrations/sixshop');
    expect(del.status, del.text).toBeLessThan(300);
    expect((await providersOf(w.api)).every((p) => !p.connected)).toBe(true);
    const again = await w.api.del('/v2/integrations/sixshop');
    expect(again.error?.code).toBe('stberror.Errors.Integration.NotConnected');
  });

  it('I1: an unknown provider is not found', async () => {
    const res = await ws.api.post('/v2/integrations/cafe24/connect');
    expect(res.status).toBe(400);
    expect(res.error?.code).toBe('stberror.Errors.Integration.NoSuchProvider');
    for (const page of ['start?state=x', 'callback?state=x']) expect((await fetch(`${app.url}/v2/integrations/cafe24/${page}`)).status).toBe(400);
  });

  it("W1: a workspace's connection is its own", async () => {
    const a = await app.newWorkspace();
    const b = await app.newWorkspace();
    await connect(a.api, 'sixshop');
    expect((await providersOf(b.api)).every((p) => !p.connected)).toBe(true);
    const res = await b.api.post('/v2/lists', { ...listBasics, name: 'x', kind: 'sixshop' });
    expect(res.error?.code).toBe('stberror.Errors.Integration.NotConnected');
  });
});

describe('I2 linked lists', () => {
  it('I2: a sixshop or donus list is created only on a connected workspace, with the provider fields', async () => {
    const w = await app.newWorkspace();
    const refused = await w.api.post('/v2/lists', { ...listBasics, name: '식스샵 회원', kind: 'sixshop' });
    expect(refused.status).toBe(400);
    expect(refused.error?.code).toBe('stberror.Errors.Integration.NotConnected');
    await connect(w.api, 'sixshop');
    const created = await w.api.post<{ id: number; kind: string; fields: { tag: string }[]; lastImportDate: string | null }>('/v2/lists', { ...listBasics, name: '식스샵 회원', kind: 'sixshop' });
    expect(created.status, created.text).toBeLessThan(300);
    const read = await w.api.get<{ kind: string; fields: { tag: string }[]; lastImportDate: string | null }>(`/v2/lists/${created.json.id}`);
    expect(read.json.kind).toBe('sixshop');
    expect(read.json.lastImportDate).toBeNull();
    expect(read.json.fields.map((f) => f.tag)).toEqual(['email', 'name', 'phone', 'memberNo', 'grade', 'birthday']);
    // Still refused for the provider it is not connected to.
    expect((await w.api.post('/v2/lists', { ...listBasics, name: 'd', kind: 'donus' })).error?.code).toBe('stberror.Errors.Integration.NotConnected');
  });
});
