/**
 * Issue 17: the typed client (client/, openapi-fetch over the types generated from
 * docs/openapi.json) against the running server. Every call is type-checked by `tsc -p .`
 * against the document (paths, parameters, bodies), and every answer is checked against the
 * document at run time (shared/http/openapi-validation.ts: documented status, media type and
 * schema, error codes included), so a drift between the document and the server fails here.
 * SPEC L4, L8, L9 (v1 envelope and its refusal rule), W3, A3a; the v2 shapes of
 * reference/stibee-api-v2_openapi.yml.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../client/index';
import { responseChecker, validating } from '#shared/http/openapi-validation';
import { useTestApp, type TestApp } from './support/app';
import { listBasics } from './support/lists';

const doc = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', 'docs/openapi.json'), 'utf8')) as Record<string, unknown>;

let app: TestApp;
let api: ApiClient;
let anonymous: ApiClient;
useTestApp((s) => {
  app = s.app;
  api = createApiClient(s.app.url, s.key);
  api.use(validating(doc));
  anonymous = createApiClient(s.app.url);
  anonymous.use(validating(doc));
});

async function newList(name: string): Promise<number> {
  const { data, response } = await api.POST('/v2/lists', { body: { name, ...listBasics } });
  expect(response.status).toBe(200);
  return data!.id;
}

describe('issue 17: the typed client against the server, every answer checked against the document', () => {
  it('v1 subscribe with the seed 002 body, then the same again: the refusal is LIST_ALREADY_SUBSCRIBED in an HTTP 200 envelope', async () => {
    const listId = await newList('typed client');
    const seedBody = [
      {
        eventOccurredBy: 'SUBSCRIBER' as const,
        confirmEmailYN: 'N' as const,
        subscribers: [
          { email: 'gildong.go@stibee.com', name: '고길동' },
          { email: 'dooly@stibee.com', name: '둘리' },
        ],
      },
    ] as [{ eventOccurredBy: 'SUBSCRIBER'; confirmEmailYN: 'N'; subscribers: Record<string, unknown>[] }];
    const path = { listId: String(listId) };
    const first = await api.POST('/v1/lists/{listId}/subscribers', { params: { path }, body: seedBody });
    expect(first.response.status).toBe(200);
    expect(first.data).toMatchObject({ Ok: true, Error: null, Value: { success: [{ email: 'gildong.go@stibee.com' }, { email: 'dooly@stibee.com' }] } });

    const again = await api.POST('/v1/lists/{listId}/subscribers', { params: { path }, body: [{ ...seedBody[0], subscribers: [{ email: 'dooly@stibee.com' }] }] });
    expect(again.response.status).toBe(200);
    // The seed's answer, byte for byte (as the document's example shows it).
    expect(again.data).toEqual({ Ok: false, Error: { Code: 'LIST_ALREADY_SUBSCRIBED', HttpStatusCode: 0, Message: '이미 구독 중인 이메일 주소입니다.' }, Value: null });

    const count = await api.GET('/v1/lists/{listId}/subscribers/count', { params: { path } });
    expect(count.data).toMatchObject({ Ok: true, Value: 2 });
    const listed = await api.GET('/v1/lists/{listId}/subscribers', { params: { path, query: { limit: 10 } } });
    expect(JSON.stringify(listed.data)).toContain('dooly@stibee.com');
    const lists = await api.GET('/v1/lists');
    expect(lists.data?.Ok).toBe(true);
  });

  it('every v1 operation answers the Value its document declares: subscribe buckets, delete, unsubscribe, group assign and release, the look-ups, API keys', async () => {
    const listId = await newList('typed client v1 values');
    const path = { listId: String(listId) };
    const ok = <T extends { data?: unknown; response: Response }>(res: T) => {
      expect(res.response.status, JSON.stringify(res.data)).toBe(200);
      expect(res.data).toMatchObject({ Ok: true, Error: null });
      return (res.data as { Value: unknown }).Value;
    };
    // Every answer below passed the document's schema of its Value (the validating middleware).
    const added = ok(await api.POST('/v1/lists/{listId}/subscribers', { params: { path }, body: { subscribers: [{ email: 'a@example.com', name: '에이', $ad_agreed: 'Y' }, { email: 'b@example.com' }, { email: 'bad' }, {}] } }));
    expect(added).toMatchObject({ success: [{ email: 'a@example.com', $type: 'MANUAL', $status: 'S', stb_ad_agreement: true }, { email: 'b@example.com' }], failWrongEmail: [{ email: 'bad', $status: '' }], failNoEmail: [{ $status: '' }] });
    const updated = ok(await api.POST('/v1/lists/{listId}/subscribers', { params: { path }, body: { subscribers: [{ email: 'b@example.com', name: '비' }] } }));
    expect(updated).toMatchObject({ update: [{ email: 'b@example.com', $status: 'S' }] });
    const group = await api.POST('/v2/lists/{listId}/groups', { params: { path }, body: { name: 'typed' } });
    const groupPath = { ...path, groupId: String(group.data!.id) };
    expect(ok(await api.POST('/v1/lists/{listId}/groups/{groupId}/subscribers/assign', { params: { path: groupPath }, body: ['a@example.com', 'nobody@example.com'] }))).toEqual({ success: ['a@example.com'], fail: ['nobody@example.com'] });
    expect(ok(await api.GET('/v1/lists/{listId}/groups', { params: { path } }))).toEqual([{ id: group.data!.id, name: 'typed', createdTime: expect.any(String) }]);
    expect(ok(await api.GET('/v1/lists', { params: { query: { limit: 1000 } } }))).toEqual(expect.arrayContaining([expect.objectContaining({ id: listId })]));
    expect(ok(await api.GET('/v1/lists/{listId}/subscribers/count', { params: { path } }))).toBe(2);
    const rows = ok(await api.GET('/v1/lists/{listId}/subscribers', { params: { path, query: { limit: 10 } } })) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.email).sort()).toEqual(['a@example.com', 'b@example.com']);
    expect(ok(await api.POST('/v1/lists/{listId}/groups/{groupId}/subscribers/release', { params: { path: groupPath }, body: ['a@example.com', 'b@example.com'] }))).toEqual({ success: ['a@example.com'], fail: ['b@example.com'] });
    expect(ok(await api.PUT('/v1/lists/{listId}/subscribers/unsubscribe', { params: { path }, body: ['a@example.com', 'nobody@example.com'] }))).toEqual({ success: ['a@example.com'], failOrAlreadyUnsubscribe: ['nobody@example.com'] });
    expect(ok(await api.DELETE('/v1/lists/{listId}/subscribers', { params: { path }, body: ['b@example.com', 'nobody@example.com'] }))).toEqual({ success: ['b@example.com'], fail: ['nobody@example.com'] });

    const created = ok(await api.POST('/v1/api-keys', { body: { name: 'typed' } })) as { keyId: string; secret: string };
    expect(created.secret).toEqual(expect.any(String));
    const keyPath = { keyId: created.keyId };
    expect(ok(await api.GET('/v1/api-keys'))).toEqual(expect.arrayContaining([expect.objectContaining({ keyId: created.keyId, status: 'active' })]));
    expect(ok(await api.PUT('/v1/api-keys/{keyId}/deactivate', { params: { path: keyPath } }))).toMatchObject({ keyId: created.keyId, status: 'inactive' });
    expect(ok(await api.PUT('/v1/api-keys/{keyId}/activate', { params: { path: keyPath } }))).toMatchObject({ keyId: created.keyId, status: 'active' });
    expect(ok(await api.DELETE('/v1/api-keys/{keyId}', { params: { path: keyPath } }))).toEqual({ keyId: created.keyId, deleted: true });
  });

  it('the document types the Value of every v1 operation that answers JSON (none is the untyped envelope)', () => {
    const paths = doc.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }> }>>;
    const untyped: string[] = [];
    let typed = 0;
    for (const [path, methods] of Object.entries(paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(methods)) {
        const schema = op.responses['200']?.content?.['application/json']?.schema;
        if (!schema) continue;
        const envelopes = ((schema.oneOf as Array<Record<string, unknown>> | undefined) ?? [schema]).filter((s) => (s.properties as Record<string, unknown> | undefined)?.Ok);
        const success = envelopes.find((s) => ((s.properties as Record<string, { const?: unknown }>).Ok?.const) === true);
        // A public page's JSON that is only a refusal (the confirmation link's LIST_ALREADY_SUBSCRIBED) has no success to type.
        if (!success) continue;
        const value = (success.properties as Record<string, Record<string, unknown>>).Value;
        if (!value || Object.keys(value).length === 0) untyped.push(`${method.toUpperCase()} ${path}`);
        else typed++;
      }
    }
    expect(untyped).toEqual([]);
    expect(typed).toBe(14);
  });

  it('v1 refusals: a POST refusal answers 200 Ok:false, a look-up (GET) the envelope status, a missing key 401', async () => {
    const missing = { listId: '987654321' };
    const post = await api.POST('/v1/lists/{listId}/subscribers', { params: { path: missing }, body: { subscribers: [{ email: 'a@example.com' }] } });
    expect(post.response.status).toBe(200);
    expect(post.data).toMatchObject({ Ok: false, Error: { Code: 'LIST_NOT_FOUND' } });
    const get = await api.GET('/v1/lists/{listId}/groups', { params: { path: missing } });
    expect(get.response.status).toBe(404);
    expect(get.error).toMatchObject({ Ok: false, Error: { Code: 'LIST_NOT_FOUND', HttpStatusCode: 404 } });
    const noKey = await anonymous.GET('/v1/lists');
    expect(noKey.response.status).toBe(401);
    expect(noKey.error).toMatchObject({ Ok: false, Error: { Code: 'UNAUTHORIZED' } });
    const bad = await api.POST('/v1/lists/{listId}/subscribers', { params: { path: missing }, body: { subscribers: 'nope' } as never });
    expect(bad.data).toMatchObject({ Ok: false, Error: { Code: 'INVALID_REQUEST' } });
  });

  it('v2: bare JSON, the text ok (200 added, 201 updated), and {code, httpStatusCode, message} refusals', async () => {
    const listId = await newList('typed client v2');
    const path = { listId: String(listId) };
    const got = await api.GET('/v2/lists/{listId}', { params: { path } });
    expect(got.data).toMatchObject({ id: listId, name: 'typed client v2' });
    const subscriber = { email: 'v2@example.com', status: 'subscribed' as const };
    const added = await api.POST('/v2/lists/{listId}/subscribers', { params: { path }, body: { subscriber }, parseAs: 'text' });
    expect([added.response.status, added.data]).toEqual([200, 'ok']);
    const updated = await api.POST('/v2/lists/{listId}/subscribers', { params: { path }, body: { subscriber, updateEnabled: true }, parseAs: 'text' });
    expect([updated.response.status, updated.data]).toEqual([201, 'ok']);
    const group = await api.POST('/v2/lists/{listId}/groups', { params: { path }, body: { name: 'vip' } });
    expect(group.data).toEqual({ id: expect.any(Number) });
    const twice = await api.POST('/v2/lists/{listId}/groups', { params: { path }, body: { name: 'vip' } });
    expect(twice.response.status).toBe(400);
    expect(twice.error).toMatchObject({ code: 'stberror.Errors.List.AlreadyExistGroup', httpStatusCode: 400 });
    const other = await api.GET('/v2/lists/{listId}', { params: { path: { listId: '987654321' } } });
    expect(other.error).toMatchObject({ code: 'stberror.Errors.Authorization.PermissionDenied', httpStatusCode: 400 });
    const noKey = await anonymous.GET('/v2/auth-check');
    expect(noKey.response.status).toBe(401);
    const deleted = await api.DELETE('/v2/lists/{listId}', { params: { path }, parseAs: 'text' });
    expect(deleted.data).toBe('ok');
  });

  it('A3a: an unknown automated email answers in the envelope with its status (the documented refusal)', async () => {
    const res = await api.POST('/api/v1.0/auto/{key}', { params: { path: { key: 'no-such-key' } }, body: { subscriber: 'a@example.com' } });
    expect(res.response.status).toBe(404);
    expect(res.error).toMatchObject({ Ok: false, Error: { Code: 'AUTOMATION_NOT_FOUND' } });
  });

  it('the checker itself refuses what the document does not say (so the calls above prove something)', async () => {
    const check = responseChecker(doc);
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    expect(await check('GET', '/v1/lists', json(200, { Ok: true, Error: null, Value: [] }))).toBeUndefined();
    // A v1 Value of the wrong shape: a look-up row without its time, a subscribe row without the keys callers decode.
    expect(await check('GET', '/v1/lists', json(200, { Ok: true, Error: null, Value: [{ id: 1, name: 'x' }] }))).toMatch(/does not match/);
    const buckets = Object.fromEntries(['failDeny', 'failDuplicatedEmail', 'failDuplicatedPhone', 'failExistEmail', 'failExistPhone', 'failNoEmail', 'failUnknown', 'failValidation', 'failValidationDateTime', 'failWrongEmail', 'failWrongPhone', 'success', 'update'].map((b) => [b, []]));
    const row = { email: 'a@example.com', $type: 'MANUAL', $status: 'S', $createdTime: '2024-03-01 16:58:52 +0900 KST', $modifiedTime: '2024-03-01 16:58:52 +0900 KST', stb_ad_agreement: false };
    expect(await check('POST', '/v1/lists/5/subscribers', json(200, { Ok: true, Error: null, Value: { ...buckets, success: [row] } }))).toBeUndefined();
    const { $status: _dropped, ...withoutStatus } = row;
    expect(await check('POST', '/v1/lists/5/subscribers', json(200, { Ok: true, Error: null, Value: { ...buckets, success: [withoutStatus] } }))).toMatch(/does not match/);
    expect(await check('GET', '/v1/lists/5/subscribers/count', json(200, { Ok: true, Error: null, Value: '2' }))).toMatch(/does not match/);
    // An error code the operation does not document.
    expect(await check('GET', '/v1/lists/{listId}/groups', json(404, { Ok: false, Error: { Code: 'EMAIL_NOT_FOUND', HttpStatusCode: 404, Message: 'x' }, Value: null }))).toMatch(/does not match/);
    // A v1 envelope where v2 answers its error object; a status the operation does not document.
    expect(await check('POST', '/v2/lists/5/groups', json(400, { Ok: false, Error: { Code: 'GROUP_NAME_EXISTS' } }))).toMatch(/does not match/);
    expect(await check('GET', '/v2/lists/5', json(418, {}))).toMatch(/status not documented/);
    expect(await check('GET', '/v2/lists/5', new Response('ok', { status: 200, headers: { 'Content-Type': 'text/plain' } }))).toMatch(/text\/plain not documented/);
  });

  it('the middleware rejects the call when the server answers what the document leaves out', async () => {
    const edited = structuredClone(doc) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    delete edited.paths['/v2/auth-check']!.get!.responses['401'];
    const strict = createApiClient(app.url);
    strict.use(validating(edited));
    await expect(strict.GET('/v2/auth-check')).rejects.toThrow(/OpenAPI drift: GET \/v2\/auth-check → 401: status not documented/);
  });
});
