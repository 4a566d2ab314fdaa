/** SPEC W2 (API keys) and W3 (the AccessToken header), through HTTP. */
import { listBasics } from './support/lists';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestApp, type TestApp } from './support/app';

type Key = { keyId: string; name: string; prefix: string; status: 'active' | 'inactive'; createdAt: string; secret?: string };

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const unauthorized = { Ok: false, Error: { Code: 'UNAUTHORIZED', HttpStatusCode: 401, Message: 'API 키가 없거나 유효하지 않습니다.' }, Value: null };
/** The v2 API's answer to a missing or bad key (reference/stibee-api-v2_openapi.yml, 인증). */
const v2Unauthorized = { code: 'stberror.Errors.Authorization.NoToken', httpStatusCode: 401, message: '존재하지 않는 토큰 입니다.' };

describe('W2 API keys', () => {
  it('W2: POST creates a key whose secret is returned once; GET lists keys and never a secret', async () => {
    const { api, key: firstSecret } = await app.newWorkspace();
    const created = await api.post<Key>('/v1/api-keys', { name: '쇼핑몰 연동' });
    expect(created.status).toBe(200);
    expect(created.body.Ok).toBe(true);
    expect(created.body.Value).toMatchObject({ name: '쇼핑몰 연동', status: 'active', keyId: expect.any(String), createdAt: expect.any(String) });
    const secret = created.body.Value.secret!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(secret.startsWith(created.body.Value.prefix)).toBe(true);
    const unnamed = await api.post<Key>('/v1/api-keys');
    expect(unnamed.body.Value.name).toBe('');
    const secrets = [firstSecret, secret, unnamed.body.Value.secret!];

    const listed = await api.get<Key[]>('/v1/api-keys');
    expect(listed.status).toBe(200);
    expect(listed.body.Value).toHaveLength(3);
    expect(listed.body.Value.map((k) => k.keyId)).toEqual(expect.arrayContaining([created.body.Value.keyId, unnamed.body.Value.keyId]));
    for (const s of secrets) expect(listed.text).not.toContain(s);
    for (const k of listed.body.Value) expect(Object.keys(k).sort()).toEqual(['createdAt', 'keyId', 'name', 'prefix', 'status']);
    // The state changes answer the key without its secret too.
    const keyId = created.body.Value.keyId;
    for (const res of [await api.put(`/v1/api-keys/${keyId}/deactivate`), await api.put(`/v1/api-keys/${keyId}/activate`)]) {
      expect(res.status).toBe(200);
      for (const s of secrets) expect(res.text).not.toContain(s);
    }

    // The new secret works as an AccessToken of the same workspace.
    const withNew = apiClient(app.url, secret);
    expect((await withNew.post('/v2/lists', { ...listBasics, name: 'made with the new key' })).status).toBe(200);
    expect((await api.get<{ name: string }[]>('/v1/lists')).body.Value.map((l) => l.name)).toEqual(['made with the new key']);
  });

  it('W2: at most 10 keys per workspace; the 11th is API_KEY_LIMIT_EXCEEDED; deleting one allows another', async () => {
    const { api } = await app.newWorkspace();
    const created = await Promise.all(Array.from({ length: 9 }, (_, i) => api.post<Key>('/v1/api-keys', { name: `k${i}` })));
    for (const res of created) expect(res.body.Ok, res.text).toBe(true);
    expect((await api.get<Key[]>('/v1/api-keys')).body.Value).toHaveLength(10);

    const eleventh = await api.post('/v1/api-keys', { name: 'one too many' });
    // A v1 write reports the refusal in the envelope of an HTTP 200 (issue 13, one convention per version).
    expect(eleventh.status).toBe(200);
    expect(eleventh.body).toMatchObject({ Ok: false, Error: { Code: 'API_KEY_LIMIT_EXCEEDED', HttpStatusCode: 400 }, Value: null });
    expect((await api.get<Key[]>('/v1/api-keys')).body.Value).toHaveLength(10);
    // Inactive keys still count.
    const victim = created[0]!.body.Value.keyId;
    await api.put(`/v1/api-keys/${victim}/deactivate`);
    expect((await api.post('/v1/api-keys', {})).body.Error?.Code).toBe('API_KEY_LIMIT_EXCEEDED');

    const deleted = await api.del(`/v1/api-keys/${victim}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.Ok).toBe(true);
    const replacement = await api.post<Key>('/v1/api-keys', { name: 'replacement' });
    expect(replacement.status).toBe(200);
    expect(replacement.body.Value.secret).toEqual(expect.any(String));
    expect((await api.post('/v1/api-keys', {})).body.Error?.Code).toBe('API_KEY_LIMIT_EXCEEDED');
    const keys = (await api.get<Key[]>('/v1/api-keys')).body.Value;
    expect(keys).toHaveLength(10);
    expect(keys.some((k) => k.keyId === victim)).toBe(false);
  });

  it('W2: parallel creations never pass the limit of 10', async () => {
    const { api } = await app.newWorkspace();
    const results = await Promise.all(Array.from({ length: 15 }, () => api.post('/v1/api-keys', {})));
    expect(results.filter((r) => r.status === 200 && r.body.Ok)).toHaveLength(9);
    expect(results.filter((r) => r.body.Error?.Code === 'API_KEY_LIMIT_EXCEEDED')).toHaveLength(6);
    expect((await api.get<Key[]>('/v1/api-keys')).body.Value).toHaveLength(10);
  });

  it('W2: a deactivated key is refused at once and works again after reactivation', async () => {
    const { api } = await app.newWorkspace();
    const second = (await api.post<Key>('/v1/api-keys', { name: 'second' })).body.Value;
    const client = apiClient(app.url, second.secret);
    expect((await client.get('/v1/lists')).status).toBe(200);

    const deactivated = await api.put<Key>(`/v1/api-keys/${second.keyId}/deactivate`);
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.Value).toMatchObject({ keyId: second.keyId, status: 'inactive' });
    for (const res of [await client.get('/v1/lists'), await client.get('/v1/api-keys')]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual(unauthorized);
    }
    const v2 = await client.post('/v2/lists', { ...listBasics, name: 'x' });
    expect(v2.status).toBe(401);
    expect(v2.json).toEqual(v2Unauthorized);
    expect((await api.get<Key[]>('/v1/api-keys')).body.Value.find((k) => k.keyId === second.keyId)?.status).toBe('inactive');
    // The inactive key wrote nothing.
    expect((await api.get<unknown[]>('/v1/lists')).body.Value).toBeNull();

    const twice = await api.put(`/v1/api-keys/${second.keyId}/deactivate`);
    expect(twice.status).toBe(200);
    expect(twice.body).toMatchObject({ Ok: false, Error: { Code: 'API_KEY_ILLEGAL_STATE', HttpStatusCode: 409 } });
    const activeAgain = await api.put<Key>(`/v1/api-keys/${second.keyId}/activate`);
    expect(activeAgain.body.Value).toMatchObject({ keyId: second.keyId, status: 'active' });
    expect((await client.get('/v1/lists')).status).toBe(200);
    const activeTwice = await api.put(`/v1/api-keys/${second.keyId}/activate`);
    expect(activeTwice.status).toBe(200);
    expect(activeTwice.body.Error?.HttpStatusCode).toBe(409);
    expect(activeTwice.body.Error?.Code).toBe('API_KEY_ILLEGAL_STATE');
  });

  it('W2: a key can deactivate itself, and is refused from the very next request', async () => {
    const { api } = await app.newWorkspace();
    const own = (await api.get<Key[]>('/v1/api-keys')).body.Value[0]!;
    const helper = (await api.post<Key>('/v1/api-keys', {})).body.Value;
    expect((await api.put(`/v1/api-keys/${own.keyId}/deactivate`)).status).toBe(200);
    expect((await api.get('/v1/api-keys')).status).toBe(401);
    const other = apiClient(app.url, helper.secret);
    expect((await other.put(`/v1/api-keys/${own.keyId}/activate`)).status).toBe(200);
    expect((await api.get('/v1/api-keys')).status).toBe(200);
  });

  it('W2: a deleted key is refused and its keyId is then API_KEY_NOT_FOUND', async () => {
    const { api } = await app.newWorkspace();
    const doomed = (await api.post<Key>('/v1/api-keys', {})).body.Value;
    const client = apiClient(app.url, doomed.secret);
    expect((await client.get('/v1/lists')).status).toBe(200);
    const deleted = await api.del(`/v1/api-keys/${doomed.keyId}`);
    expect(deleted.status).toBe(200);
    const refused = await client.get('/v1/lists');
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(unauthorized);
    expect((await api.get<Key[]>('/v1/api-keys')).body.Value.map((k) => k.keyId)).not.toContain(doomed.keyId);
    for (const res of [
      await api.del(`/v1/api-keys/${doomed.keyId}`),
      await api.put(`/v1/api-keys/${doomed.keyId}/activate`),
      await api.put(`/v1/api-keys/${doomed.keyId}/deactivate`),
    ]) {
      expect(res.status).toBe(200);
      expect(res.body.Error?.HttpStatusCode).toBe(404);
      expect(res.body.Error?.Code).toBe('API_KEY_NOT_FOUND');
    }
  });

  it("W2: a keyId of another workspace is API_KEY_NOT_FOUND and that key keeps working", async () => {
    const a = await app.newWorkspace();
    const b = await app.newWorkspace();
    const bKey = (await b.api.post<Key>('/v1/api-keys', { name: 'b' })).body.Value;
    const bKeysBefore = (await b.api.get<Key[]>('/v1/api-keys')).body;
    for (const [method, path] of [
      ['PUT', `/v1/api-keys/${bKey.keyId}/deactivate`],
      ['PUT', `/v1/api-keys/${bKey.keyId}/activate`],
      ['DELETE', `/v1/api-keys/${bKey.keyId}`],
      ['PUT', '/v1/api-keys/zzzzzzzzzz/deactivate'],
    ] as const) {
      const res = await a.api.request(method, path);
      expect(res.status, `${method} ${path}`).toBe(200);
      expect(res.body).toMatchObject({ Ok: false, Error: { Code: 'API_KEY_NOT_FOUND', HttpStatusCode: 404 }, Value: null });
    }
    expect((await a.api.get<Key[]>('/v1/api-keys')).body.Value.map((k) => k.keyId)).not.toContain(bKey.keyId);
    expect((await b.api.get<Key[]>('/v1/api-keys')).body).toEqual(bKeysBefore);
    expect((await apiClient(app.url, bKey.secret).get('/v1/lists')).status).toBe(200);
  });
});

describe('W3 AccessToken', () => {
  it('W3: a request without AccessToken, or with an unknown or empty one, gets the 401 envelope', async () => {
    const { key } = await app.newWorkspace();
    const cases: (string | undefined)[] = [undefined, '', 'not-a-key', key.slice(0, -1), `${key}x`, 'x'.repeat(4000)];
    for (const token of cases) {
      for (const [method, path, body] of [
        ['GET', '/v1/lists', undefined],
        ['POST', '/v2/lists', { ...listBasics, name: 'x' }],
        ['GET', '/v1/api-keys', undefined],
        ['POST', '/v1/api-keys', {}],
      ] as const) {
        const res = await apiClient(app.url, token).request(method, path, body);
        expect(res.status, `${method} ${path} with ${token?.slice(0, 10)}`).toBe(401);
        // Each version's shape (issue 13): the v1 envelope, or v2's Errors.Authorization.NoToken.
        expect(res.body).toEqual(path.startsWith('/v2/') ? v2Unauthorized : unauthorized);
      }
    }
    // The key goes in the AccessToken header; the same value elsewhere is not a key.
    const inAuthorization = await apiClient(app.url, undefined).request('GET', '/v1/lists', undefined, { Authorization: `Bearer ${key}` });
    expect(inAuthorization.status).toBe(401);
    expect((await apiClient(app.url, key).get('/v1/lists')).status).toBe(200);
  });
});
