/** SPEC I1, I2: connecting Sixshop and Donus with OAuth, linked lists only on a connected workspace. */
import { listBasics } from './support/lists';
import { describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { useTestApp, type TestApp, type TestWorkspace } from './support/app';
import { connect } from './support/integrations';

let app: TestApp;
let ws: TestWorkspace;
useTestApp((started) => {
  app = started.app;
  ws = started;
});

const providersOf = async (api: TestWorkspace['api']) =>
  (await api.get<{ provider: string; connected: boolean; account?: string }[]>('/v2/integrations')).json;

describe('I1 OAuth connection', () => {
  it('I1: connect returns the provider authorize URL with a state; the callback connects the workspace', async () => {
    const w = await app.newWorkspace();
    const res = await w.api.post<{ authorizeUrl: string; state: string; expiresAt: string }>('/v2/integrations/sixshop/connect');
    expect(res.status, res.text).toBeLessThan(300);
    const url = new URL(res.json.authorizeUrl);
    expect(url.origin).toBe(app.runtime.simulator!.url);
    expect(url.searchParams.get('state')).toBe(res.json.state);
    expect(url.searchParams.get('redirect_uri')).toBe(`${app.url}/v2/integrations/sixshop/callback`);
    expect((await providersOf(w.api)).find((p) => p.provider === 'sixshop')?.connected).toBe(false);

    const authorize = await fetch(res.json.authorizeUrl, { redirect: 'manual' });
    const callback = await fetch(authorize.headers.get('location')!);
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain('연동되었습니다');
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

  it('I1: a callback with a wrong, reused or expired state is refused and connects nothing', async () => {
    const w = await app.newWorkspace();
    const res = await w.api.post<{ authorizeUrl: string; state: string }>('/v2/integrations/sixshop/connect');
    const authorize = await fetch(res.json.authorizeUrl, { redirect: 'manual' });
    const location = new URL(authorize.headers.get('location')!);

    const wrong = new URL(location);
    wrong.searchParams.set('state', 'not-a-state-we-issued');
    const refusedWrong = await fetch(wrong);
    expect(refusedWrong.status).toBe(400);
    expect(await refusedWrong.text()).toContain('INTEGRATION_STATE_INVALID');
    expect((await providersOf(w.api)).find((p) => p.provider === 'sixshop')?.connected).toBe(false);

    // The state of one provider does not complete the other's flow.
    const crossed = new URL(location.toString().replace('/sixshop/callback', '/donus/callback'));
    expect((await fetch(crossed)).status).toBe(400);

    expect((await fetch(location)).status).toBe(200);
    const reused = await fetch(location);
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain('INTEGRATION_STATE_INVALID');

    // Expired: a state issued more than 10 minutes ago.
    const later = await w.api.post<{ authorizeUrl: string }>('/v2/integrations/donus/connect');
    const auth2 = await fetch(later.json.authorizeUrl, { redirect: 'manual' });
    const realNow = app.runtime.deps.clock.now;
    const clock = app.runtime.deps.clock as { now: () => Date };
    clock.now = () => new Date(Date.now() + 11 * 60 * 1000);
    try {
      const expired = await fetch(auth2.headers.get('location')!);
      expect(expired.status).toBe(400);
    } finally {
      clock.now = realNow;
    }
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
