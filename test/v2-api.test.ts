/**
 * The public v2 API through HTTP, as reference/stibee-api-v2_openapi.yml defines it (issue 13):
 * lists, groups, subscribers, senders, auth-check, and the v2 answer convention (bare JSON or
 * text `ok`, `{code, httpStatusCode, message}` on refusal).
 */
import { describe, expect, it } from 'vitest';
import { apiClient, useTestApp, type ApiClient, type TestApp } from './support/app';
import { createGroup, createList, listBasics } from './support/lists';
import { senderLinkIn, verifiedSender } from './support/senders';
import { baseAutomation, mailsTo } from './support/automations';

let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s));

const fields = [{ tag: 'name', label: '이름' }, { tag: 'age', label: '나이', type: 'number' }, { tag: 'phone', label: '전화', type: 'phone' }];
const expectOk = (res: { status: number; text: string; headers: Headers }, status = 200) => {
  expect(res.status, res.text).toBe(status);
  expect(res.text).toBe('ok');
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
};
const expectRefused = (res: { status: number; text: string; error?: { code: string; httpStatusCode: number; message: string } }, code: string, status = 400) => {
  expect(res.status, res.text).toBe(status);
  expect(res.error, res.text).toEqual({ code: `stberror.Errors.${code}`, httpStatusCode: status, message: expect.stringMatching(/[가-힣]/) });
};
type Sub = { email: string; status: string; fields: Record<string, string>; createdTime: string; modifiedTime: string };
const subscribers = async (listId: number, query = '') => (await api.get<Sub[]>(`/v2/lists/${listId}/subscribers${query}`)).json;

describe('authentication and the convention (the yml: 인증, 오류 응답)', () => {
  it('GET /v2/auth-check answers ok with a key and Errors.Authorization.NoToken without or with a bad one', async () => {
    expectOk(await api.get('/v2/auth-check'));
    for (const client of [apiClient(app.url, undefined), apiClient(app.url, 'not-a-key')]) {
      const res = await client.get('/v2/lists');
      expectRefused(res, 'Authorization.NoToken', 401);
      expect(res.error!.message).toBe('존재하지 않는 토큰 입니다.');
    }
    // v1 keeps its envelope for the same refusal.
    const v1 = await apiClient(app.url, undefined).get('/v1/lists');
    expect(v1.status).toBe(401);
    expect(v1.body).toMatchObject({ Ok: false, Error: { Code: 'UNAUTHORIZED' }, Value: null });
  });

  it('unknown /v2 paths, bad JSON and oversized bodies answer in the v2 shape; /v1 in the envelope', async () => {
    expectRefused(await api.get('/v2/nothing-here'), 'Data.NotFound', 404);
    expect((await api.get('/v1/nothing-here')).body).toMatchObject({ Ok: false, Error: { Code: 'NOT_FOUND' } });
    expectRefused(await api.request('POST', '/v2/lists', '{"name":'), 'Data.InvalidRequest');
    const listId = await createList(api, 'big');
    const huge = { subscribers: [{ email: 'a@example.com', status: 'subscribed', fields: { name: 'x'.repeat(300 * 1024) } }] };
    expectRefused(await api.post(`/v2/lists/${listId}/subscribers/batch`, huge), 'Data.TooLongData', 413);
    expect((await subscribers(listId)).length).toBe(0);
  });
});

describe('lists (the yml: 주소록)', () => {
  it('create needs the five fields and answers {id}; get, list, update (non-empty only), copy and delete', async () => {
    const missing = await api.post('/v2/lists', { name: 'x', senderName: 'a' });
    expectRefused(missing, 'Data.InvalidRequest');
    const created = await api.post<{ id: number }>('/v2/lists', { name: '뉴스레터', ...listBasics, canSendToUnsubscribed: true });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ id: expect.any(Number) });
    const id = created.json.id;
    const got = await api.get<Record<string, unknown>>(`/v2/lists/${id}`);
    expect(got.json).toMatchObject({ id, name: '뉴스레터', ...listBasics, useSubscriberAutoDelete: true, canSendToUnsubscribed: true, owner: expect.any(String) });

    expectOk(await api.put(`/v2/lists/${id}`, { name: '새 이름', senderName: '', companyName: '새 회사', companyContact: '', companyAddress: '' }));
    expect((await api.get(`/v2/lists/${id}`)).json).toMatchObject({ name: '새 이름', senderName: listBasics.senderName, companyName: '새 회사' });

    const other = await createList(api, 'second');
    const asc = await api.get<Array<{ id: number }>>('/v2/lists?sortOrder=asc&limit=100');
    const ids = asc.json.map((l) => l.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const desc = (await api.get<Array<{ id: number }>>('/v2/lists?limit=1')).json;
    expect(desc.map((l) => l.id)).toEqual([other]);
    expect((await api.get<Array<{ id: number }>>('/v2/lists?offset=1&limit=1')).json.map((l) => l.id)).toEqual([Math.max(...ids.filter((i) => i !== other))]);
    expectRefused(await api.get('/v2/lists?offset=x'), 'Data.InvalidRequest');

    await createGroup(api, id, 'VIP');
    const copy = await api.post<{ id: number }>(`/v2/lists/${id}/copy`);
    expect(copy.json).toEqual({ id: expect.any(Number) });
    expect((await api.get(`/v2/lists/${copy.json.id}`)).json).toMatchObject({ companyName: '새 회사', canSendToUnsubscribed: true });
    expect((await api.get<Array<{ name: string }>>(`/v2/lists/${copy.json.id}/groups`)).json.map((g) => g.name)).toEqual(['VIP']);

    expectOk(await api.del(`/v2/lists/${copy.json.id}`));
    expectRefused(await api.get(`/v2/lists/${copy.json.id}`), 'Authorization.PermissionDenied');
  });

  it("another workspace's list answers like a missing one (SPEC W1)", async () => {
    const listId = await createList(api, 'mine');
    const { api: other } = await app.newWorkspace();
    expectRefused(await other.get(`/v2/lists/${listId}`), 'Authorization.PermissionDenied');
    expectRefused(await other.post(`/v2/lists/${listId}/subscribers`, { subscriber: { email: 'x@example.com', status: 'subscribed' } }), 'Authorization.PermissionDenied');
    expect(await subscribers(listId)).toEqual([]);
  });
});

describe('groups (the yml: 주소록 - 그룹)', () => {
  it('create → {id}, AlreadyExistGroup, list with sortBy/sortOrder/offset/limit, update and delete → ok', async () => {
    const listId = await createList(api, 'groups');
    const b = await createGroup(api, listId, 'b');
    const a = await createGroup(api, listId, 'a');
    expectRefused(await api.post(`/v2/lists/${listId}/groups`, { name: 'a' }), 'List.AlreadyExistGroup');
    expectRefused(await api.post(`/v2/lists/${listId}/groups`, { name: '' }), 'Data.InvalidRequest');
    const byId = (await api.get<Array<{ id: number; name: string; createdTime: string }>>(`/v2/lists/${listId}/groups`)).json;
    expect(byId.map((g) => g.id)).toEqual([a, b]);
    expect(byId[0]!.createdTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/);
    expect((await api.get<Array<{ id: number }>>(`/v2/lists/${listId}/groups?sortBy=name&sortOrder=asc`)).json.map((g) => g.id)).toEqual([a, b]);
    expect((await api.get<Array<{ id: number }>>(`/v2/lists/${listId}/groups?sortBy=id&sortOrder=asc&offset=1&limit=1`)).json.map((g) => g.id)).toEqual([a]);
    expectOk(await api.put(`/v2/lists/${listId}/groups/${a}`, { name: 'c' }));
    expectRefused(await api.put(`/v2/lists/${listId}/groups/${a}`, { name: 'b' }), 'List.AlreadyExistGroup');
    expectOk(await api.del(`/v2/lists/${listId}/groups/${a}`));
    expect((await api.get<Array<{ id: number }>>(`/v2/lists/${listId}/groups`)).json.map((g) => g.id)).toEqual([b]);
    expectRefused(await api.del(`/v2/lists/${listId}/groups/${a}`), 'List.NoSuchGroup');
  });

  it('TooManyGroups past 100 groups in a list (docs/api.md)', async () => {
    const listId = await createList(api, 'many groups');
    for (let i = 0; i < 100; i++) await createGroup(api, listId, `g${i}`);
    expectRefused(await api.post(`/v2/lists/${listId}/groups`, { name: 'one too many' }), 'List.TooManyGroups');
    expect((await api.get<unknown[]>(`/v2/lists/${listId}/groups?limit=1000`)).json.length).toBe(100);
  });

  it('assign and release take {subscriber}; a stranger is NotExistEmail, a missing group NoSuchGroup; release is always ok', async () => {
    const listId = await createList(api, 'assign', fields);
    const g = await createGroup(api, listId, 'g');
    expectOk(await api.post(`/v2/lists/${listId}/subscribers`, { subscriber: { email: 'm@example.com', status: 'subscribed' } }));
    expectOk(await api.post(`/v2/lists/${listId}/groups/${g}/assign`, { subscriber: 'm@example.com' }));
    expectOk(await api.post(`/v2/lists/${listId}/groups/${g}/assign`, { subscriber: 'M@example.com' }));
    expectRefused(await api.post(`/v2/lists/${listId}/groups/${g}/assign`, { subscriber: 'nobody@example.com' }), 'List.NotExistEmail');
    expectRefused(await api.post(`/v2/lists/${listId}/groups/999999/assign`, { subscriber: 'm@example.com' }), 'List.NoSuchGroup');
    expect((await api.get<Array<{ groupIds: number[] }>>(`/v2/lists/${listId}/subscribers`)).json[0]!.groupIds).toEqual([g]);
    expectOk(await api.post(`/v2/lists/${listId}/groups/${g}/release`, { subscriber: 'm@example.com' }));
    expectOk(await api.post(`/v2/lists/${listId}/groups/${g}/release`, { subscriber: 'm@example.com' }));
    expectOk(await api.post(`/v2/lists/${listId}/groups/999999/release`, { subscriber: 'm@example.com' }));
    expect((await api.get<Array<{ groupIds: number[] }>>(`/v2/lists/${listId}/subscribers`)).json[0]!.groupIds).toEqual([]);
  });
});

describe('subscribers (the yml: 주소록 - 구독자)', () => {
  it('add: 200 ok, AlreadyExistEmail, 201 ok on update (status kept), InvalidEmail, InvalidSubscriberVar, InvalidData', async () => {
    const listId = await createList(api, 'add', fields);
    const add = (subscriber: Record<string, unknown>, updateEnabled?: boolean) =>
      api.post(`/v2/lists/${listId}/subscribers`, { subscriber, ...(updateEnabled === undefined ? {} : { updateEnabled }) });
    expectOk(await add({ email: 'Gildong@Example.com', status: 'unsubscribed', marketingAllowed: true, fields: { name: '고길동', age: 45 } }));
    expectRefused(await add({ email: 'gildong@example.com', status: 'subscribed' }), 'List.AlreadyExistEmail');
    expectOk(await add({ email: 'gildong@example.com', status: 'subscribed', fields: { name: '둘리' } }, true), 201);
    const [row] = await subscribers(listId);
    expect(row).toEqual({
      email: 'gildong@example.com',
      status: 'unsubscribed',
      fields: { name: '둘리', age: '45', $ad_agreed: 'Y' },
      createdTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0900 KST$/),
      modifiedTime: expect.stringMatching(/ \+0900 KST$/),
      groupIds: [],
    });
    expectRefused(await add({ email: 'not-an-email', status: 'subscribed' }), 'List.InvalidEmail');
    expectRefused(await add({ email: `${'a'.repeat(60)}@example.com`, status: 'subscribed' }), 'List.InvalidEmail');
    expectRefused(await add({ email: 'x@example.com', status: 'subscribed', fields: { shoe: 270 } }), 'List.InvalidSubscriberVar');
    expectRefused(await add({ email: 'x@example.com', status: 'subscribed', fields: { age: 'old' } }), 'List.InvalidData');
    expectRefused(await add({ email: 'x@example.com', status: 'ready' }), 'Data.InvalidRequest');
    expect((await subscribers(listId)).map((s) => s.email)).toEqual(['gildong@example.com']);
  });

  it('list (statuses, offset, limit ≤ 1,000), count {total}, update fields, unsubscribe, delete ≤ 100', async () => {
    const listId = await createList(api, 'lookups', fields);
    for (let i = 0; i < 5; i++) expectOk(await api.post(`/v2/lists/${listId}/subscribers`, { subscriber: { email: `s${i}@example.com`, status: i < 3 ? 'subscribed' : 'unsubscribed' } }));
    expect((await api.get(`/v2/lists/${listId}/subscribers/count`)).json).toEqual({ total: 5 });
    expect((await api.get(`/v2/lists/${listId}/subscribers/count?statuses=unsubscribed`)).json).toEqual({ total: 2 });
    expect((await api.get(`/v2/lists/${listId}/subscribers/count?statuses=subscribed,archived,ready`)).json).toEqual({ total: 3 });
    expect((await subscribers(listId)).map((s) => s.email)).toEqual(['s4@example.com', 's3@example.com', 's2@example.com', 's1@example.com', 's0@example.com']);
    expect((await subscribers(listId, '?statuses=unsubscribed')).map((s) => s.email)).toEqual(['s4@example.com', 's3@example.com']);
    expect((await subscribers(listId, '?offset=1&limit=2')).map((s) => s.email)).toEqual(['s3@example.com', 's2@example.com']);
    expectRefused(await api.get(`/v2/lists/${listId}/subscribers?limit=1001`), 'Data.LimitExceeded');
    expectRefused(await api.get(`/v2/lists/${listId}/subscribers?statuses=gone`), 'Data.InvalidRequest');

    expectOk(await api.put(`/v2/lists/${listId}/subscribers/s0@example.com`, { fields: { name: '영희', age: '30' } }));
    expect((await subscribers(listId)).find((s) => s.email === 's0@example.com')).toMatchObject({ status: 'subscribed', fields: { name: '영희', age: '30' } });
    expectRefused(await api.put(`/v2/lists/${listId}/subscribers/nobody@example.com`, { fields: { name: 'x' } }), 'List.NotExistEmail');
    expectRefused(await api.put(`/v2/lists/${listId}/subscribers/s0@example.com`, { fields: { shoe: 1 } }), 'List.InvalidSubscriberVar');

    expectOk(await api.post(`/v2/lists/${listId}/subscribers/s0@example.com/unsubscribe`));
    expectOk(await api.post(`/v2/lists/${listId}/subscribers/s0@example.com/unsubscribe`));
    expectRefused(await api.post(`/v2/lists/${listId}/subscribers/nobody@example.com/unsubscribe`), 'List.NotExistEmail');
    expect((await api.get(`/v2/lists/${listId}/subscribers/count?statuses=unsubscribed`)).json).toEqual({ total: 3 });

    const tooMany = Array.from({ length: 101 }, (_, i) => `s${i}@example.com`);
    expectRefused(await api.del(`/v2/lists/${listId}/subscribers`, { subscribers: tooMany }), 'List.LimitExceeded');
    expect((await api.get(`/v2/lists/${listId}/subscribers/count`)).json).toEqual({ total: 5 });
    expectOk(await api.del(`/v2/lists/${listId}/subscribers`, { subscribers: ['s1@example.com', 's2@example.com', 'nobody@example.com'] }));
    expect((await api.get(`/v2/lists/${listId}/subscribers/count`)).json).toEqual({ total: 3 });
  });

  it('double opt-in: the subscriber waits as `ready` until the mailed link is followed', async () => {
    const listId = await createList(api, 'optin', fields);
    expectOk(await api.post(`/v2/lists/${listId}/subscribers/double-optin`, { subscriber: { email: 'wait@example.com', fields: { name: '대기' } } }));
    expect(await subscribers(listId)).toMatchObject([{ email: 'wait@example.com', status: 'ready', fields: { name: '대기' } }]);
    expect((await api.get(`/v2/lists/${listId}/subscribers/count?statuses=ready`)).json).toEqual({ total: 1 });
    expect((await api.get(`/v2/lists/${listId}/subscribers/count?statuses=subscribed`)).json).toEqual({ total: 0 });
    // v1 knows S/D/A only: a ready subscriber is not among its counts (an integer, reference/api-webhook_list-api_2024-04-18.md).
    expect((await api.get<number>(`/v1/lists/${listId}/subscribers/count`)).body.Value).toBe(0);
    expect((await api.get<unknown[]>(`/v1/lists/${listId}/subscribers`)).body.Value).toEqual([]);
    expectRefused(await api.post(`/v2/lists/${listId}/subscribers/double-optin`, { subscriber: { email: 'wait@example.com' } }), 'List.AlreadyExistEmail');
    const [mail] = await mailsTo(app, 'wait@example.com');
    const link = /https?:\/\/\S+\/v1\/subscriptions\/confirm\?token=[^\s"<>]+/.exec(String(mail!.text))![0];
    expect((await fetch(link)).status).toBe(200);
    expect(await subscribers(listId)).toMatchObject([{ email: 'wait@example.com', status: 'subscribed', fields: { name: '대기' } }]);
    expect((await api.get<number>(`/v1/lists/${listId}/subscribers/count?status=S`)).body.Value).toBe(1);
  });

  it('batch: every bucket of BatchSubscriberResponse, at most 1,000 (TooManySubscribers)', async () => {
    const listId = await createList(api, 'batch', fields);
    expectOk(await api.post(`/v2/lists/${listId}/subscribers`, { subscriber: { email: 'old@example.com', status: 'subscribed', fields: { name: 'old' } } }));
    const body = (updateEnabled: boolean) => ({
      updateEnabled,
      subscribers: [
        { email: 'new@example.com', status: 'subscribed', fields: { name: '새' } },
        { email: 'old@example.com', status: 'unsubscribed', fields: { name: '갱신' } },
        { email: '', status: 'subscribed' },
        { email: 'broken', status: 'subscribed' },
        { email: 'new@example.com', status: 'subscribed' },
        { email: 'field@example.com', status: 'subscribed', fields: { nope: 1 } },
        { email: 'status@example.com', status: 'maybe' },
      ],
    });
    const first = await api.post<Record<string, string[]>>(`/v2/lists/${listId}/subscribers/batch`, body(false));
    expect(first.status, first.text).toBe(200);
    expect(first.json).toEqual({
      createdSubscribers: ['new@example.com'],
      updatedSubscribers: [],
      failAlreadyExists: ['old@example.com'],
      failNoEmails: [''],
      failInvalidEmails: ['broken'],
      failDuplicatedEmails: ['new@example.com'],
      failInvalidFields: ['field@example.com'],
      failInvalidSubscriberStatus: ['status@example.com'],
    });
    const second = await api.post<Record<string, string[]>>(`/v2/lists/${listId}/subscribers/batch`, body(true));
    expect(second.json).toMatchObject({ createdSubscribers: [], updatedSubscribers: ['new@example.com', 'old@example.com'] });
    expect((await subscribers(listId)).find((s) => s.email === 'old@example.com')).toMatchObject({ status: 'subscribed', fields: { name: '갱신' } });

    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ email: `b${i}@example.com`, status: 'subscribed' }));
    expectRefused(await api.post(`/v2/lists/${listId}/subscribers/batch`, { subscribers: tooMany }), 'List.TooManySubscribers');
    expect((await api.get(`/v2/lists/${listId}/subscribers/count`)).json).toEqual({ total: 2 });
  });
});

describe('senders (the yml: 주소록 - 발신자 이메일 주소)', () => {
  it('free-mail domains are NotPermittedSenderDomain; an added address is mailed a link and authorized once it is followed', async () => {
    const listId = await createList(api, 'senders');
    expectRefused(await api.post(`/v2/lists/${listId}/senders`, { email: 'me@gmail.com' }), 'List.NotPermittedSenderDomain');
    expectRefused(await api.post(`/v2/lists/${listId}/senders`, { email: 'me@mail.naver.com' }), 'List.NotPermittedSenderDomain');
    const added = await api.post(`/v2/lists/${listId}/senders`, { email: 'Editor@Shop.example' });
    expect(added.json).toEqual({ authorized: false });
    expect((await api.get(`/v2/lists/${listId}/senders`)).json).toEqual([{ email: 'editor@shop.example', authorized: false }]);
    const link = await senderLinkIn(app.outbox(), 'editor@shop.example');
    expect(link).toBeDefined();

    const before = (await mailsTo(app, 'editor@shop.example')).length;
    expectOk(await api.post(`/v2/lists/${listId}/senders/editor@shop.example/verify`));
    expect((await mailsTo(app, 'editor@shop.example')).length).toBe(before + 1);
    expectRefused(await api.post(`/v2/lists/${listId}/senders/other@shop.example/verify`), 'List.NotExistEmail');

    const tampered = await fetch(link!.replace(/token=(.)/, (_, c: string) => `token=${c === 'A' ? 'B' : 'A'}`));
    expect(tampered.status).toBe(400);
    expect((await fetch(link!)).status).toBe(200);
    expect((await api.get(`/v2/lists/${listId}/senders`)).json).toEqual([{ email: 'editor@shop.example', authorized: true }]);

    // Verified once for the workspace: another list adds it at once, without a mail (the yml).
    const second = await createList(api, 'senders 2');
    const mailsBefore = app.outbox().length;
    expect((await api.post(`/v2/lists/${second}/senders`, { email: 'editor@shop.example' })).json).toEqual({ authorized: true });
    expect(app.outbox().length).toBe(mailsBefore);
    // Another workspace proves nothing by it: its own add is not authorized.
    const { api: other } = await app.newWorkspace();
    const theirs = await createList(other, 'theirs');
    expect((await other.post(`/v2/lists/${theirs}/senders`, { email: 'editor@shop.example' })).json).toEqual({ authorized: false });

    expectOk(await api.del(`/v2/lists/${second}/senders/editor@shop.example`));
    expect((await api.get(`/v2/lists/${second}/senders`)).json).toEqual([]);
    expectRefused(await api.del(`/v2/lists/${second}/senders/editor@shop.example`), 'Data.InvalidRequest');
  });

  it('an automated email is saved and starts only with a verified sender address of its list (shared/automations; issue 14: checked at save time)', async () => {
    const listId = await createList(api, 'auto sender');
    const body = baseAutomation(listId, { senderEmail: 'auto@brand.example' });
    expectRefused(await api.post('/v2/automations', body), 'Authorization.PermissionDenied');
    expect((await api.post(`/v2/lists/${listId}/senders`, { email: 'auto@brand.example' })).json).toEqual({ authorized: false });
    expectRefused(await api.post('/v2/automations', body), 'Authorization.PermissionDenied');
    expect((await api.get<unknown[]>(`/v2/automations?listId=${listId}`)).json).toEqual([]);
    await verifiedSender(api, listId, 'auto@brand.example');
    const created = await api.post<{ automationId: number }>('/v2/automations', body);
    expect(created.status, created.text).toBe(201);
    const id = created.json.automationId;
    // Editing to an address that is not verified is refused the same way, and changes nothing.
    const { listId: _listId, ...content } = body;
    expectRefused(await api.put(`/v2/automations/${id}`, { ...content, senderEmail: 'other@brand.example' }), 'Authorization.PermissionDenied');
    expect((await api.get<{ senderEmail: string }>(`/v2/automations/${id}`)).json.senderEmail).toBe('auto@brand.example');
    const started = await api.post<{ state: string }>(`/v2/automations/${id}/start`);
    expect(started.json.state, started.text).toBe('running');
    // The sender of a running automated email cannot be removed from under it.
    expectRefused(await api.del(`/v2/lists/${listId}/senders/auto@brand.example`), 'Data.InvalidRequest');
  });
});
