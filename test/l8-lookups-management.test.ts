/**
 * SPEC L1, L2, L8, L11: look-ups and list, field and group management through HTTP. The
 * look-ups follow reference/api-webhook_list-api_2024-04-18.md (issue 13).
 */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, countOf, createGroup, createList, snapshot, subscribe, type V1Row } from './support/lists';

let app: TestApp;
let api: ApiClient;
// A clock that stands still where it is set, so times in answers are exact. 2024-03-14T15:00:00Z
// is 2024-03-15 00:00 in Korea: the look-ups' days are Korean days.
let frozen = new Date('2024-03-14T15:00:00Z');
const clock = { now: () => new Date(frozen), set: (at: Date) => (frozen = at) };
useTestApp((started) => ({ app, api } = started), { clock });

type List = Record<string, unknown> & { id: number; fields: { tag: string; label: string; type: string }[] };
type Row = { id: number; name: string; createdTime: string };

describe('L8 look-ups (reference/api-webhook_list-api_2024-04-18.md)', () => {
  it('L8: GET /v1/lists answers {id, name, createdTime (+09:00)} of the workspace, sorted and paged; null when there is none', async () => {
    const mine = await app.newWorkspace();
    const theirs = await app.newWorkspace();
    clock.set(new Date('2020-03-02T14:44:57Z'));
    const a = await createList(mine.api, '주소록 A');
    clock.set(new Date('2020-03-03T14:44:57Z'));
    const b = await createList(mine.api, '주소록 B');
    clock.set(new Date('2020-03-01T00:00:00Z'));
    const c = await createList(mine.api, '가나다');
    await createList(theirs.api, '남의 주소록');
    clock.set(new Date('2024-03-14T15:00:00Z'));
    const all = await mine.api.get<Row[]>('/v1/lists');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      Ok: true,
      Error: null,
      Value: [
        { id: a, name: '주소록 A', createdTime: '2020-03-02T23:44:57+09:00' },
        { id: b, name: '주소록 B', createdTime: '2020-03-03T23:44:57+09:00' },
        { id: c, name: '가나다', createdTime: '2020-03-01T09:00:00+09:00' },
      ],
    });
    const ids = async (q: string) => (await mine.api.get<Row[] | null>(`/v1/lists?${q}`)).body.Value?.map((r) => r.id) ?? null;
    expect(await ids('sortBy=createdTime&orderBy=desc')).toEqual([b, a, c]);
    expect(await ids('sortBy=Id&orderBy=desc')).toEqual([c, b, a]);
    expect(await ids('sortBy=name&orderBy=asc')).toEqual([c, a, b]);
    expect(await ids('offset=0&limit=10&sortBy=createdTime&orderBy=asc')).toEqual([c, a, b]);
    expect(await ids('offset=1&limit=1&sortBy=createdTime&orderBy=asc')).toEqual([a]);
    expect(await ids('offset=3&limit=10')).toBeNull();
    const empty = await app.newWorkspace();
    expect((await empty.api.get('/v1/lists')).body).toEqual({ Ok: true, Error: null, Value: null });
    for (const q of ['sortBy=size', 'orderBy=up', 'limit=0', 'limit=1001', 'offset=-1', 'offset=x']) {
      const res = await mine.api.get(`/v1/lists?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body).toMatchObject({ Ok: false, Error: { Code: 'INVALID_REQUEST', HttpStatusCode: 400 }, Value: null });
    }
  });

  it('L8: GET /v1/lists/{id}/groups answers {id, name, createdTime} sorted and paged; null when the list has no group', async () => {
    const listId = await createList(api);
    expect((await api.get(`/v1/lists/${listId}/groups`)).body).toEqual({ Ok: true, Error: null, Value: null });
    clock.set(new Date('2020-03-02T14:44:57Z'));
    const g1 = await createGroup(api, listId, '그룹 B');
    clock.set(new Date('2020-03-03T14:44:57Z'));
    const g2 = await createGroup(api, listId, '그룹 A');
    clock.set(new Date('2024-03-14T15:00:00Z'));
    expect((await api.get<Row[]>(`/v1/lists/${listId}/groups?offset=0&limit=10&sortBy=createdTime&orderBy=asc`)).body.Value).toEqual([
      { id: g1, name: '그룹 B', createdTime: '2020-03-02T23:44:57+09:00' },
      { id: g2, name: '그룹 A', createdTime: '2020-03-03T23:44:57+09:00' },
    ]);
    expect((await api.get<Row[]>(`/v1/lists/${listId}/groups?sortBy=name`)).body.Value.map((g) => g.id)).toEqual([g2, g1]);
    expect((await api.get<Row[]>(`/v1/lists/${listId}/groups?orderBy=desc&limit=1`)).body.Value.map((g) => g.id)).toEqual([g2]);
    const other = await app.newWorkspace();
    const foreign = await other.api.get(`/v1/lists/${listId}/groups`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.Error?.Code).toBe('LIST_NOT_FOUND');
  });

  it("L8: the count is an integer by status S/D/A and by the day a subscriber entered that status (the page's example)", async () => {
    const listId = await createList(api);
    clock.set(new Date('2024-03-15T01:00:00Z'));
    await subscribe(api, listId, { subscribers: [{ email: 'dooly@stibee.com' }, { email: 'gildong.go@stibee.com' }] });
    clock.set(new Date('2024-03-16T01:00:00Z'));
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['gildong.go@stibee.com']);
    // 23:59 on the 16th in Korea is still the 16th; 15:00Z on the 16th is the 17th.
    clock.set(new Date('2024-03-16T14:59:00Z'));
    await subscribe(api, listId, { subscribers: [{ email: 'late@stibee.com' }] });
    clock.set(new Date('2024-03-16T15:00:00Z'));
    await subscribe(api, listId, { subscribers: [{ email: 'next@stibee.com' }] });
    const res = await api.get(`/v1/lists/${listId}/subscribers/count?status=S&startDate=20240301&endDate=20240331`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ Ok: true, Error: null, Value: 3 });
    expect(await countOf(api, listId)).toBe(4);
    expect(await countOf(api, listId, 'status=S')).toBe(3);
    expect(await countOf(api, listId, 'status=D')).toBe(1);
    expect(await countOf(api, listId, 'status=A')).toBe(0);
    expect(await countOf(api, listId, 'status=S&startDate=20240315&endDate=20240315')).toBe(1);
    expect(await countOf(api, listId, 'status=D&startDate=20240316&endDate=20240316')).toBe(1);
    expect(await countOf(api, listId, 'status=D&startDate=20240315&endDate=20240315')).toBe(0);
    expect(await countOf(api, listId, 'status=S&startDate=20240316&endDate=20240316')).toBe(1);
    expect(await countOf(api, listId, 'startDate=20240317')).toBe(1);
    expect(await countOf(api, listId, 'endDate=20240316')).toBe(3);
    expect(await countOf(api, listId, 'startDate=20240318')).toBe(0);
    clock.set(new Date('2024-03-14T15:00:00Z'));
  });

  it('L8: GET .../subscribers answers the rows as the page shows them, oldest first, paged by offset and limit', async () => {
    const listId = await createList(api);
    clock.set(new Date('2024-03-01T07:58:52Z'));
    await subscribe(api, listId, { subscribers: [{ email: 'gildong.go@stibee.com', name: '고길동', $ad_agreed: 'Y' }] });
    clock.set(new Date('2024-03-01T11:58:52Z'));
    await subscribe(api, listId, { subscribers: [{ email: 'dooly@stibee.com' }] });
    clock.set(new Date('2024-03-05T00:00:00Z'));
    await subscribe(api, listId, { subscribers: [{ email: 'later@stibee.com' }] });
    const res = await api.get<V1Row[]>(`/v1/lists/${listId}/subscribers?status=S&startDate=20240301&endDate=20240302&offset=0&limit=2`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      Ok: true,
      Error: null,
      Value: [
        {
          email: 'gildong.go@stibee.com',
          name: '고길동',
          status: 'S',
          createdTime: '2024-03-01 16:58:52 +0900 KST',
          modifiedTime: '2024-03-01 16:58:52 +0900 KST',
          created_time: '2024-03-01 16:58:52 +0900 KST',
          modified_time: '2024-03-01 16:58:52 +0900 KST',
          stb_ad_agreement: true,
          groupIds: [],
        },
        {
          email: 'dooly@stibee.com',
          status: 'S',
          createdTime: '2024-03-01 20:58:52 +0900 KST',
          modifiedTime: '2024-03-01 20:58:52 +0900 KST',
          created_time: '2024-03-01 20:58:52 +0900 KST',
          modified_time: '2024-03-01 20:58:52 +0900 KST',
          stb_ad_agreement: false,
          groupIds: [],
        },
      ],
    });
    const emails = async (q: string) => (await api.get<V1Row[]>(`/v1/lists/${listId}/subscribers?${q}`)).body.Value.map((r) => r.email);
    expect(await emails('')).toEqual(['gildong.go@stibee.com', 'dooly@stibee.com', 'later@stibee.com']);
    expect(await emails('offset=1&limit=1')).toEqual(['dooly@stibee.com']);
    expect(await emails('offset=3')).toEqual([]);
    expect(await emails('startDate=20240302')).toEqual(['later@stibee.com']);
    clock.set(new Date('2024-03-06T00:00:00Z'));
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['gildong.go@stibee.com']);
    expect(await emails('status=D')).toEqual(['gildong.go@stibee.com']);
    expect(await emails('status=S')).toEqual(['dooly@stibee.com', 'later@stibee.com']);
    // The status moved the row to the day it changed: the 6th.
    expect(await emails('startDate=20240306&endDate=20240306')).toEqual(['gildong.go@stibee.com']);
    clock.set(new Date('2024-03-14T15:00:00Z'));
  });

  it('R1: bad look-up parameters are refused with 400 INVALID_REQUEST and change nothing', async () => {
    const listId = await createList(api);
    await subscribe(api, listId, { subscribers: [{ email: 'a@x.com' }] });
    const before = await snapshot(api, listId);
    const bad = ['status=gone', 'status=s', 'limit=0', 'limit=1001', 'offset=-1', 'groupId=abc', 'startDate=2024-03-01', 'startDate=20240230', 'endDate=2024031', 'startDate=20240302&endDate=20240301'];
    for (const q of bad) {
      for (const path of [`/v1/lists/${listId}/subscribers?${q}`, `/v1/lists/${listId}/subscribers/count?${q}`]) {
        if (path.includes('/count') && /limit|offset|groupId/.test(q)) continue;
        const res = await api.get(path);
        expect(res.status, path).toBe(400);
        expect(res.body).toMatchObject({ Ok: false, Error: { Code: 'INVALID_REQUEST', HttpStatusCode: 400 }, Value: null });
      }
    }
    expect(await snapshot(api, listId)).toEqual(before);
  });

  it('L8: the groupId filter (our extra) pages over the members only, alone and with a status', async () => {
    const listId = await createList(api);
    const group = await createGroup(api, listId);
    await subscribe(api, listId, { groupIds: [group], subscribers: ['m1@x.com', 'm2@x.com', 'm3@x.com'].map((email) => ({ email })) });
    await subscribe(api, listId, { subscribers: [{ email: 'o@x.com' }] });
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['m2@x.com']);
    expect([...(await allSubscribers(api, listId, `groupId=${group}`)).keys()]).toEqual(['m1@x.com', 'm2@x.com', 'm3@x.com']);
    expect([...(await allSubscribers(api, listId, `groupId=${group}&status=D`)).keys()]).toEqual(['m2@x.com']);
    const page = await api.get<V1Row[]>(`/v1/lists/${listId}/subscribers?groupId=${group}&status=S&offset=1&limit=5`);
    expect(page.body.Value.map((r) => r.email)).toEqual(['m3@x.com']);
  });
});

describe('L1/L11 lists, L2 fields, groups', () => {
  it('L11: a list has the v2 settings with their defaults; PUT changes only the non-empty fields given', async () => {
    // The yml's createList requires the five fields and answers `{id}` (issue 13).
    const created = await api.post<List>('/v2/lists', { name: '뉴스레터', senderName: '스티비', companyName: '', companyContact: '', companyAddress: '' });
    expect(created.json).toEqual({ id: expect.any(Number) });
    const read = await api.get<List>(`/v2/lists/${created.json.id}`);
    expect(read.json).toMatchObject({
      name: '뉴스레터',
      kind: 'standard',
      senderName: '스티비',
      companyName: '',
      useSubscriberAutoDelete: true,
      canSendToUnsubscribed: false,
      fields: [
        { tag: 'email', label: '이메일 주소', type: 'email' },
        { tag: 'name', label: '이름', type: 'text' },
      ],
    });
    const id = created.json.id;
    const updated = await api.put(`/v2/lists/${id}`, {
      name: '',
      senderName: '발신자',
      companyName: '회사명',
      companyContact: 'hello@stibee.com',
      companyAddress: '서울시 중구 동호로',
      useSubscriberAutoDelete: false,
      canSendToUnsubscribed: true,
    });
    // The public v2 API answers this one with a bare `ok` (text/plain).
    expect(updated.status).toBe(200);
    expect(updated.text).toBe('ok');
    expect(updated.headers.get('content-type')).toContain('text/plain');
    const after = await api.get<List>(`/v2/lists/${id}`);
    expect(after.json).toMatchObject({
      name: '뉴스레터',
      senderName: '발신자',
      companyName: '회사명',
      companyContact: 'hello@stibee.com',
      companyAddress: '서울시 중구 동호로',
      useSubscriberAutoDelete: false,
      canSendToUnsubscribed: true,
    });
    const bad = await api.put(`/v2/lists/${id}`, { useSubscriberAutoDelete: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.error?.code).toBe('stberror.Errors.Data.InvalidRequest');
    expect((await api.get<List>(`/v2/lists/${id}`)).json).toEqual(after.json);
  });

  it('L2: custom fields are added, relabelled, retyped within the rules and removed; email is fixed', async () => {
    const id = await createList(api, 'fields', [{ tag: 'name', label: '이름' }]);
    const added = await api.post<List['fields']>(`/v2/lists/${id}/fields`, { tag: 'age', label: '나이', type: 'number' });
    expect(added.json.map((f) => f.tag)).toEqual(['email', 'name', 'age']);
    expect((await api.post(`/v2/lists/${id}/fields`, { tag: 'age', label: 'x' })).error?.code).toBe('stberror.Errors.List.AlreadyExistSubscriberVar');
    expect((await api.post(`/v2/lists/${id}/fields`, { tag: '1bad', label: 'x' })).status).toBe(400);
    expect((await api.put(`/v2/lists/${id}/fields/age`, { type: 'text' })).error?.code).toBe('stberror.Errors.List.InvalidSubscriberVarType');
    expect((await api.put(`/v2/lists/${id}/fields/name`, { type: 'date' })).error?.code).toBe('stberror.Errors.List.InvalidSubscriberVarType');
    const relabelled = await api.put<List['fields']>(`/v2/lists/${id}/fields/name`, { label: '성함', type: 'phone' });
    expect(relabelled.json.find((f) => f.tag === 'name')).toEqual({ tag: 'name', label: '성함', type: 'phone' });
    for (const res of [await api.put(`/v2/lists/${id}/fields/email`, { label: 'x' }), await api.del(`/v2/lists/${id}/fields/email`)]) {
      expect(res.status).toBe(400);
      expect(res.error?.code).toBe('stberror.Errors.List.ReservedSubscriberVar');
    }
    expect((await api.del(`/v2/lists/${id}/fields/nope`)).error?.code).toBe('stberror.Errors.List.NoSuchSubscriberVar');
    const removed = await api.del<List['fields']>(`/v2/lists/${id}/fields/age`);
    expect(removed.json.map((f) => f.tag)).toEqual(['email', 'name']);
    // A number field takes numbers only.
    await api.post(`/v2/lists/${id}/fields`, { tag: 'points', label: '적립금', type: 'number' });
    const res = await subscribe(api, id, { subscribers: [{ email: 'n@x.com', points: '1,200' }, { email: 'm@x.com', points: 'many' }] });
    expect(res.body.Value.success.map((r) => r.email)).toEqual(['n@x.com']);
    // SPEC L2 field types decide the bucket (issue 13): a value that does not fit its type is failValidation.
    expect(res.body.Value.failValidation.map((r) => r.email)).toEqual(['m@x.com']);
    expect(res.body.Value.failUnknown).toEqual([]);
    expect((await allSubscribers(api, id)).get('n@x.com')?.points).toBe(1200);
  });

  it('groups are renamed and deleted; deleting a group releases its members, who stay in the list', async () => {
    const id = await createList(api);
    const g = await createGroup(api, id, 'old');
    await subscribe(api, id, { groupIds: [g], subscribers: [{ email: 'm@x.com' }] });
    expect((await api.put(`/v2/lists/${id}/groups/${g}`, { name: 'new' })).text).toBe('ok');
    expect((await api.get<{ name: string }[]>(`/v2/lists/${id}/groups`)).json.map((x) => x.name)).toEqual(['new']);
    expect((await api.del(`/v2/lists/${id}/groups/${g}`)).status).toBeLessThan(300);
    // No group left: the look-up answers null (reference/api-webhook_list-api_2024-04-18.md).
    expect((await api.get<unknown[]>(`/v1/lists/${id}/groups`)).body.Value).toBeNull();
    expect((await allSubscribers(api, id)).get('m@x.com')?.groupIds).toEqual([]);
    expect((await api.del(`/v2/lists/${id}/groups/${g}`)).error?.code).toBe('stberror.Errors.List.NoSuchGroup');
  });

  it('L1: deleting a list removes it, its groups and its subscribers; its id is then not found', async () => {
    const id = await createList(api, 'doomed');
    await createGroup(api, id);
    await subscribe(api, id, { subscribers: [{ email: 'gone@x.com', phone: '010-7777-8888' }] });
    expect((await api.del(`/v2/lists/${id}`)).status).toBeLessThan(300);
    expect((await api.get<List[]>('/v1/lists')).body.Value.some((l) => l.id === id)).toBe(false);
    for (const path of [`/v1/lists/${id}/groups`, `/v1/lists/${id}/subscribers/count`]) {
      expect((await api.get(path)).body.Error?.Code).toBe('LIST_NOT_FOUND');
    }
    expect((await api.get(`/v2/lists/${id}`)).error?.code).toBe('stberror.Errors.Authorization.PermissionDenied');
  });
});
