/**
 * Issue 15: regular emails through the public v2 API's /emails, as
 * reference/stibee-api-v2_openapi.yml defines them (SPEC A1): list, create, get, update,
 * delete, copy, tags, content. Answers in the v2 convention (bare JSON, text `ok`,
 * `{code, httpStatusCode, message}`).
 */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp, type TestWorkspace } from './support/app';
import { createGroup, createList } from './support/lists';
import { verifiedSender } from './support/senders';
import { expectOk, expectRefused } from './support/emails';

let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s));

type Email = Record<string, unknown> & { id: number; status: number; tagIds: number[] };
type Page = { total: number; offset: number; limit: number; items: Email[] };

async function listWithSender(client: ApiClient, name = 'news') {
  const listId = await createList(client, name);
  await verifiedSender(client, listId, 'news@example.com');
  return listId;
}

const draft = (listId: number, extra: Record<string, unknown> = {}) => ({ subject: '이번 주 소식 $%name%$', senderEmail: 'news@example.com', senderName: '뉴스레터', listId, ...extra });

async function create(client: ApiClient, body: unknown): Promise<number> {
  const res = await client.post<{ id: number }>('/v2/emails', body);
  expect(res.status, res.text).toBe(200);
  expect(res.json).toEqual({ id: expect.any(Number) });
  return res.json.id;
}

describe('create, get, list (the yml: 일반 이메일 생성, 이메일 정보 조회, 이메일 목록 조회)', () => {
  it('a draft answers {id}; get shows the yml GetEmailResponse fields with status 0 and KST times', async () => {
    const listId = await listWithSender(api);
    const groupId = await createGroup(api, listId);
    const id = await create(api, draft(listId, { groupIds: [groupId] }));
    const got = await api.get<Email>(`/v2/emails/${id}`);
    expect(got.status, got.text).toBe(200);
    expect(got.json).toMatchObject({
      id,
      status: 0,
      listId,
      type: 1,
      subType: 0,
      subject: '이번 주 소식 $%name%$',
      senderEmail: 'news@example.com',
      senderName: '뉴스레터',
      segmentIds: [],
      groupIds: [groupId],
      owner: expect.any(String),
      abRatio: 0,
      isStarred: false,
      includeUnsubscribed: false,
      createdTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/),
      modifiedTime: expect.stringMatching(/\+09:00$/),
      sentTime: '0001-01-01T00:00:00Z',
      tagIds: [],
    });
  });

  it('refuses what the caller does not own or cannot use: PermissionDenied, and nothing is created', async () => {
    const listId = await listWithSender(api, 'owned');
    const before = (await api.get<Page>('/v2/emails?limit=100')).json.total;
    const other = await app.newWorkspace();
    const foreignList = await createList(other.api, 'theirs');
    expectRefused(await api.post('/v2/emails', draft(foreignList)), 'Authorization.PermissionDenied');
    expectRefused(await api.post('/v2/emails', draft(listId, { senderEmail: 'stranger@example.com' })), 'Authorization.PermissionDenied');
    expectRefused(await api.post('/v2/emails', draft(listId, { groupIds: [999999] })), 'Authorization.PermissionDenied');
    expectRefused(await api.post('/v2/emails', draft(listId, { segmentIds: [1] })), 'Authorization.PermissionDenied');
    expectRefused(await api.post('/v2/emails', { subject: 'x', listId }), 'Data.InvalidRequest');
    expectRefused(await api.post('/v2/emails', draft(listId, { type: 2 })), 'Email.NotEmailTypeNomal');
    expect((await api.get<Page>('/v2/emails?limit=100')).json.total).toBe(before);
  });

  it("another workspace's email answers like a missing one, on every path (SPEC W1)", async () => {
    const listId = await listWithSender(api, 'mine');
    const id = await create(api, draft(listId));
    const other: TestWorkspace = await app.newWorkspace();
    for (const [method, path] of [
      ['GET', `/v2/emails/${id}`],
      ['PUT', `/v2/emails/${id}`],
      ['DELETE', `/v2/emails/${id}`],
      ['POST', `/v2/emails/${id}/copy`],
      ['POST', `/v2/emails/${id}/tags/assign?tagIds=1`],
      ['GET', `/v2/emails/${id}/content`],
    ] as const) {
      const theirs = await other.api.request(method, path, method === 'PUT' ? { subject: 'hacked' } : undefined);
      const missing = await other.api.request(method, path.replace(`/emails/${id}`, '/emails/987654321'), method === 'PUT' ? { subject: 'hacked' } : undefined);
      expectRefused(theirs, 'Authorization.PermissionDenied');
      expect(theirs.text, path).toBe(missing.text);
    }
    expect((await other.api.get<Page>('/v2/emails')).json).toEqual({ total: 0, offset: 0, limit: 20, items: [] });
    expect((await api.get<Email>(`/v2/emails/${id}`)).json.subject).toBe('이번 주 소식 $%name%$');
  });

  it('the list pages newest first with total, offset and limit, filters by listId and tagIds, and refuses limit > 100', async () => {
    const ws = await app.newWorkspace();
    const a = await listWithSender(ws.api, 'a');
    const b = await listWithSender(ws.api, 'b');
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await create(ws.api, draft(i < 3 ? a : b, { subject: `s${i}` })));
    const all = (await ws.api.get<Page>('/v2/emails')).json;
    expect(all).toMatchObject({ total: 5, offset: 0, limit: 20 });
    expect(all.items.map((e) => e.id)).toEqual([...ids].reverse());
    const page = (await ws.api.get<Page>('/v2/emails?offset=1&limit=2')).json;
    expect(page).toMatchObject({ total: 5, offset: 1, limit: 2 });
    expect(page.items.map((e) => e.id)).toEqual([ids[3], ids[2]]);
    expect((await ws.api.get<Page>(`/v2/emails?listId=${b}`)).json.items.map((e) => e.id)).toEqual([ids[4], ids[3]]);
    expectOk(await ws.api.post(`/v2/emails/${ids[0]}/tags/assign?tagIds=7,8`));
    expectOk(await ws.api.post(`/v2/emails/${ids[1]}/tags/assign?tagIds=8`));
    expect((await ws.api.get<Page>('/v2/emails?tagIds=7')).json.items.map((e) => e.id)).toEqual([ids[0]]);
    expect((await ws.api.get<Page>('/v2/emails?tagIds=8')).json).toMatchObject({ total: 2 });

    const limit = await ws.api.get('/v2/emails?limit=101');
    expectRefused(limit, 'Data.LimitExceeded');
    expect(limit.error!.message).toContain('최대 100건');
    expectRefused(await ws.api.get('/v2/emails?offset=x'), 'Data.InvalidRequest');
    expectRefused(await ws.api.get('/v2/emails?limit=0'), 'Data.InvalidRequest');
  });
});

describe('update, delete, copy (the yml: 일반 이메일 정보 수정, 삭제, 이메일 복사)', () => {
  it('update changes only what is given; copy makes a new draft with settings, tags and content; delete answers ok', async () => {
    const listId = await listWithSender(api, 'edit');
    const group = await createGroup(api, listId);
    const id = await create(api, draft(listId));
    expectOk(await api.put(`/v2/emails/${id}`, { subject: '새 제목', groupIds: [group], abRatio: 60, subjectA: 'A' }));
    const got = (await api.get<Email>(`/v2/emails/${id}`)).json;
    expect(got).toMatchObject({ subject: '새 제목', senderName: '뉴스레터', groupIds: [group], abRatio: 60, subjectA: 'A' });
    expectRefused(await api.put(`/v2/emails/${id}`, { groupIds: [424242] }), 'Authorization.PermissionDenied');
    expectRefused(await api.put(`/v2/emails/${id}`, { type: 3 }), 'Email.NotEmailTypeNomal');
    expectRefused(await api.put(`/v2/emails/${id}`, { abRatio: 101 }), 'Data.InvalidRequest');
    expect((await api.get<Email>(`/v2/emails/${id}`)).json.groupIds).toEqual([group]);

    expectOk(await api.post(`/v2/emails/${id}/tags/assign?tagIds=1,2`));
    expectOk(await api.request('POST', `/v2/emails/${id}/content`, '<p>안녕 $%name%$</p>', { 'Content-Type': 'text/html' }));
    const copy = await api.post<{ id: number }>(`/v2/emails/${id}/copy`);
    expect(copy.status, copy.text).toBe(200);
    expect(copy.json).toEqual({ id: expect.any(Number) });
    expect(copy.json.id).not.toBe(id);
    expect((await api.get<Email>(`/v2/emails/${copy.json.id}`)).json).toMatchObject({ status: 0, subject: '새 제목', groupIds: [group], tagIds: [1, 2], abRatio: 60 });
    expect((await api.get(`/v2/emails/${copy.json.id}/content`)).text).toBe('<p>안녕 $%name%$</p>');

    expectOk(await api.del(`/v2/emails/${id}`));
    expectRefused(await api.get(`/v2/emails/${id}`), 'Authorization.PermissionDenied');
    expect((await api.get<Email>(`/v2/emails/${copy.json.id}`)).status).toBe(200);
  });
});

describe('tags (the yml: 이메일 - 태그)', () => {
  it('assign adds (again is ok), release removes; malformed tagIds are refused and change nothing', async () => {
    const listId = await listWithSender(api, 'tags');
    const id = await create(api, draft(listId));
    expectOk(await api.post(`/v2/emails/${id}/tags/assign?tagIds=3,1`));
    expectOk(await api.post(`/v2/emails/${id}/tags/assign?tagIds=1`));
    expect((await api.get<Email>(`/v2/emails/${id}`)).json.tagIds).toEqual([3, 1]);
    expectOk(await api.post(`/v2/emails/${id}/tags/release?tagIds=3,99`));
    expect((await api.get<Email>(`/v2/emails/${id}`)).json.tagIds).toEqual([1]);
    for (const bad of ['', 'a', '1,,2', '1,-2', '0', `${'9'.repeat(16)}`]) {
      expectRefused(await api.post(`/v2/emails/${id}/tags/assign?tagIds=${bad}`), 'Data.InvalidRequest');
    }
    expectRefused(await api.post(`/v2/emails/${id}/tags/assign`), 'Data.InvalidRequest');
    expect((await api.get<Email>(`/v2/emails/${id}`)).json.tagIds).toEqual([1]);
  });
});

describe('content (the yml: 이메일 - 콘텐츠)', () => {
  it('set takes text/html and answers ok; get answers the HTML as text/html; no HTML yet is Editor.NoHTMLExist', async () => {
    const listId = await listWithSender(api, 'content');
    const id = await create(api, draft(listId));
    expectRefused(await api.get(`/v2/emails/${id}/content`), 'Editor.NoHTMLExist');
    const html = '<html><body><h1>$%name%$님, 안녕하세요</h1><a href="https://example.com/a?x=1&amp;y=2">link</a></body></html>';
    expectOk(await api.request('POST', `/v2/emails/${id}/content`, html, { 'Content-Type': 'text/html; charset=utf-8' }));
    const got = await api.get(`/v2/emails/${id}/content`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toMatch(/^text\/html/);
    expect(got.text).toBe(html);
    // A JSON body is not HTML; an empty one is nothing to save.
    expectRefused(await api.request('POST', `/v2/emails/${id}/content`, '{"html":"x"}', { 'Content-Type': 'application/json' }), 'Data.UnsupportedMediaType', 415);
    expectRefused(await api.request('POST', `/v2/emails/${id}/content`, '   ', { 'Content-Type': 'text/html' }), 'Data.InvalidRequest');
    expect((await api.get(`/v2/emails/${id}/content`)).text).toBe(html);
  });
});
