/** SPEC W1 (isolation), W2 (API keys), W3 (AccessToken) through HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#shared/routes';
import { apiClient, startTestApp, type TestApp } from './support/app';
import { createGroup, createList, snapshot, subscribe } from './support/lists';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

type Key = { keyId: string; name: string; prefix: string; status: string; createdAt: string; secret?: string };

describe('W2 API keys', () => {
  it('W2: a key is created with its secret shown once; listing never shows a secret', async () => {
    const { api } = await app.newWorkspace();
    const created = await api.post<Key>('/v1/api-keys', { name: 'shop' });
    expect(created.status).toBe(200);
    expect(created.body.Value.secret).toMatch(/^[0-9a-f]{64}$/);
    const secret = created.body.Value.secret!;
    const listed = await api.get<Key[]>('/v1/api-keys');
    expect(listed.body.Value).toHaveLength(2);
    expect(listed.text).not.toContain(secret);
    expect(listed.body.Value.every((k) => !('secret' in k) && !('secretHash' in k))).toBe(true);
    const fresh = apiClient(app.url, secret);
    expect((await fresh.get('/v1/lists')).status).toBe(200);
  });

  it('W2: at most 10 keys per workspace; deleting one makes room', async () => {
    const { api } = await app.newWorkspace();
    for (let i = 2; i <= 10; i++) expect((await api.post('/v1/api-keys', {})).body.Ok).toBe(true);
    const eleventh = await api.post('/v1/api-keys', {});
    expect(eleventh.status).toBe(400);
    expect(eleventh.body.Error?.Code).toBe('API_KEY_LIMIT_EXCEEDED');
    const keys = (await api.get<Key[]>('/v1/api-keys')).body.Value;
    expect(keys).toHaveLength(10);
    const last = keys[keys.length - 1]!;
    expect((await api.del(`/v1/api-keys/${last.keyId}`)).body.Ok).toBe(true);
    expect((await api.post('/v1/api-keys', {})).body.Ok).toBe(true);
  });

  it('W2: a deactivated key is refused at once and works again when reactivated; a deleted key is refused', async () => {
    const { api } = await app.newWorkspace();
    const second = (await api.post<Key>('/v1/api-keys', {})).body.Value;
    const other = apiClient(app.url, second.secret);
    expect((await api.put(`/v1/api-keys/${second.keyId}/deactivate`)).body.Value).toMatchObject({ status: 'inactive' });
    const refused = await other.get('/v1/lists');
    expect(refused.status).toBe(401);
    expect(refused.body.Error?.Code).toBe('UNAUTHORIZED');
    const twice = await api.put(`/v1/api-keys/${second.keyId}/deactivate`);
    expect(twice.status).toBe(409);
    expect(twice.body.Error?.Code).toBe('API_KEY_ILLEGAL_STATE');
    expect((await api.put(`/v1/api-keys/${second.keyId}/activate`)).body.Value).toMatchObject({ status: 'active' });
    expect((await other.get('/v1/lists')).status).toBe(200);
    expect((await api.del(`/v1/api-keys/${second.keyId}`)).body.Ok).toBe(true);
    expect((await other.get('/v1/lists')).status).toBe(401);
  });

  it('W3: requests without a key, or with an unknown one, get the UNAUTHORIZED envelope', async () => {
    for (const key of [undefined, 'nope', 'x'.repeat(5000)]) {
      const res = await apiClient(app.url, key).get('/v1/lists');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ Ok: false, Error: { Code: 'UNAUTHORIZED', HttpStatusCode: 401, Message: 'API 키가 없거나 유효하지 않습니다.' }, Value: null });
    }
  });
});

describe('W1 isolation', () => {
  it("W1: every route that takes an id answers not-found for workspace B's ids and leaves B unchanged", async () => {
    const a = await app.newWorkspace();
    const b = await app.newWorkspace();
    const listId = await createList(b.api, 'B list');
    const groupId = await createGroup(b.api, listId, 'B group');
    await subscribe(b.api, listId, { groupIds: [groupId], subscribers: [{ email: 'b@x.com', name: 'b', phone: '010-1111-2222' }] });
    const bKeyId = (await b.api.get<Key[]>('/v1/api-keys')).body.Value[0]!.keyId;
    const bHook = (await b.api.post<{ webhookId: string }>(`/v2/lists/${listId}/webhooks`, { name: 'b', url: 'http://127.0.0.1:9/b', events: ['SUBSCRIBED'] })).body.Value.webhookId;
    const before = {
      list: (await b.api.get(`/v2/lists/${listId}`)).body,
      groups: (await b.api.get(`/v1/lists/${listId}/groups`)).body,
      keys: (await b.api.get('/v1/api-keys')).body,
      hooks: (await b.api.get(`/v2/lists/${listId}/webhooks`)).body,
      data: await snapshot(b.api, listId),
    };
    const values: Record<string, string> = { listId: String(listId), groupId: String(groupId), keyId: bKeyId, tag: 'name', webhookId: bHook };
    const bodies: Record<string, unknown> = {
      'subscribers-subscribe': { subscribers: [{ email: 'b@x.com', name: 'hijack' }] },
      'lists-update': { name: 'hijacked' },
      'fields-create': { tag: 'extra', label: 'x' },
      'fields-update': { label: 'x' },
      'groups-create': { name: 'x' },
      'groups-update': { name: 'x' },
      'webhooks-create': { name: 'x', url: 'http://127.0.0.1:9/x', events: ['SUBSCRIBED'] },
      'webhooks-update': { name: 'x' },
    };
    const withIds = routes.filter((r) => r.auth === 'apiKey' && r.path.includes('{'));
    expect(withIds.length).toBeGreaterThan(10);
    for (const r of withIds) {
      const path = r.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name]!);
      const body = bodies[r.id] ?? (r.method === 'GET' ? undefined : ['b@x.com']);
      const res = await a.api.request(r.method, path, body);
      expect(res.status, `${r.method} ${path}`).toBe(404);
      expect(['LIST_NOT_FOUND', 'GROUP_NOT_FOUND', 'API_KEY_NOT_FOUND', 'WEBHOOK_NOT_FOUND']).toContain(res.body.Error?.Code);
      expect(res.text).not.toContain('b@x.com');
    }
    expect({
      list: (await b.api.get(`/v2/lists/${listId}`)).body,
      groups: (await b.api.get(`/v1/lists/${listId}/groups`)).body,
      keys: (await b.api.get('/v1/api-keys')).body,
      hooks: (await b.api.get(`/v2/lists/${listId}/webhooks`)).body,
      data: await snapshot(b.api, listId),
    }).toEqual(before);
    const aLists = (await a.api.get<unknown[]>('/v1/lists')).body.Value;
    expect(aLists).toEqual([]);
  });
});

