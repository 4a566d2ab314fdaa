/** SPEC L8 look-ups (issue 13: offset paging and date filters), and L1/L2/L11 list, field and group management, through HTTP. */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, countOf, counts, createGroup, createList, subscribe, type V1Row, listBasics } from './support/lists';
import { movableClock } from './support/automations';

type Field = { tag: string; label: string; type: string };
type Group = { id: number; name: string; createdTime: string };
type List = {
  id: number;
  name: string;
  kind: string;
  senderName: string;
  companyName: string;
  companyContact: string;
  companyAddress: string;
  useSubscriberAutoDelete: boolean;
  canSendToUnsubscribed: boolean;
  fields: Field[];
  createdDate: string;
  modifiedDate: string;
};

let app: TestApp;
let api: ApiClient;
// Days of the look-ups are Korean days; the clock moves a day at a time between batches.
const clock = movableClock(new Date('2024-03-01T01:00:00Z'));
useTestApp((started) => ({ app, api } = started), { clock });

/** Walks every page with the given page size by offset; returns the page sizes and the emails in order. */
async function walk(listId: number, limit: number, query = ''): Promise<{ sizes: number[]; emails: string[] }> {
  const sizes: number[] = [];
  const emails: string[] = [];
  for (let offset = 0; ; offset += limit) {
    const qs = new URLSearchParams(query);
    qs.set('limit', String(limit));
    qs.set('offset', String(offset));
    const res = await api.get<V1Row[]>(`/v1/lists/${listId}/subscribers?${qs}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.Value.length).toBeLessThanOrEqual(limit);
    sizes.push(res.body.Value.length);
    emails.push(...res.body.Value.map((s) => s.email));
    if (res.body.Value.length < limit) break;
  }
  return { sizes, emails };
}

const range = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i));
const nextDay = () => clock.advance(86_400_000);

describe('L8 look-ups: offset paging and date filters over the status index (reference/api-webhook_list-api_2024-04-18.md)', () => {
  it('L8: 450 subscribers over three days, in blocks of many sizes: every page size walks the same rows, oldest day first, no gaps or repeats', { timeout: 240_000 }, async () => {
    const listId = await createList(api);
    const days: string[][] = [];
    for (let d = 0; d < 3; d++) {
      // Several requests a day: positions of one shard span blocks and requests.
      const emails = range(150, (i) => `d${d}-${String(i).padStart(3, '0')}@x.com`);
      for (const part of [emails.slice(0, 120), emails.slice(120)]) await subscribe(api, listId, { subscribers: part.map((email) => ({ email })) });
      days.push(emails);
      nextDay();
    }
    const all = await walk(listId, 1000);
    expect(all.sizes).toEqual([450]);
    expect(new Set(all.emails).size).toBe(450);
    // Day by day: everything of the 1st before the 2nd before the 3rd.
    for (let d = 0; d < 3; d++) expect(new Set(all.emails.slice(d * 150, (d + 1) * 150))).toEqual(new Set(days[d]));
    for (const limit of [7, 100, 449]) {
      const other = await walk(listId, limit);
      expect(other.emails, `limit ${limit}`).toEqual(all.emails);
    }
    // Any window is the same slice of the whole.
    for (const [offset, limit] of [[0, 3], [99, 2], [100, 100], [237, 50], [449, 10], [450, 10]] as const) {
      const res = await api.get<V1Row[]>(`/v1/lists/${listId}/subscribers?offset=${offset}&limit=${limit}`);
      expect(res.body.Value.map((r) => r.email), `${offset}/${limit}`).toEqual(all.emails.slice(offset, offset + limit));
    }
    const second = await walk(listId, 40, 'startDate=20240302&endDate=20240302');
    expect(second.emails).toEqual(all.emails.slice(150, 300));
    expect(await countOf(api, listId, 'startDate=20240302&endDate=20240302')).toBe(150);
    expect(await countOf(api, listId, 'startDate=20240302')).toBe(300);
    expect(await countOf(api, listId, 'status=S&endDate=20240301')).toBe(150);
  });

  it('L8: after unsubscribes, deletes and re-subscribes the counters still find every offset, by status and day', { timeout: 240_000 }, async () => {
    const listId = await createList(api);
    const emails = range(300, (i) => `c${String(i).padStart(3, '0')}@x.com`);
    await subscribe(api, listId, { subscribers: emails.map((email) => ({ email })) });
    nextDay();
    const gone = emails.filter((_, i) => i % 3 === 0);
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, gone);
    const deleted = emails.filter((_, i) => i % 5 === 1);
    await api.del(`/v1/lists/${listId}/subscribers`, deleted);
    nextDay();
    const back = gone.slice(0, 20);
    await subscribe(api, listId, { eventOccurredBy: 'SUBSCRIBER', subscribers: back.map((email) => ({ email })) });

    // A deleted email sent again with SUBSCRIBER is a new subscriber.
    const present = emails.filter((e) => !deleted.includes(e) || back.includes(e));
    const expectedD = gone.filter((e) => !back.includes(e) && !deleted.includes(e));
    const expectedS = present.filter((e) => !expectedD.includes(e));
    const d = await walk(listId, 9, 'status=D');
    expect([...d.emails].sort()).toEqual([...expectedD].sort());
    const sRows = await walk(listId, 13, 'status=S');
    expect([...sRows.emails].sort()).toEqual([...expectedS].sort());
    // The re-subscribed ones entered S on the latest day: they come last.
    expect(new Set(sRows.emails.slice(-back.length))).toEqual(new Set(back));
    const all = await walk(listId, 50);
    expect([...all.emails].sort()).toEqual([...present].sort());
    expect(new Set(all.emails).size).toBe(all.emails.length);
    expect(await counts(api, listId)).toEqual({ subscribed: expectedS.length, unsubscribed: expectedD.length, autoDeleted: 0, total: all.emails.length });
    expect(await countOf(api, listId, `status=S&startDate=${dayOf(clock.now())}`)).toBe(back.length);
    expect(await countOf(api, listId, 'status=D')).toBe(expectedD.length);
  });

  it('L8: an empty list answers an empty array and a zero count', async () => {
    const listId = await createList(api);
    expect((await api.get(`/v1/lists/${listId}/subscribers`)).body).toEqual({ Ok: true, Error: null, Value: [] });
    expect((await api.get(`/v1/lists/${listId}/subscribers/count?status=S`)).body).toEqual({ Ok: true, Error: null, Value: 0 });
  });

  it('L8: the look-ups see only the caller workspace', async () => {
    const mine = await app.newWorkspace();
    const theirs = await app.newWorkspace();
    const a = await createList(mine.api, '내 주소록 1');
    await createList(theirs.api, '남의 주소록');
    const res = await mine.api.get<Group[]>('/v1/lists');
    expect(res.body.Value.map((l) => [l.id, l.name])).toEqual([[a, '내 주소록 1']]);
    expect(res.text).not.toContain('남의 주소록');
    const foreign = await theirs.api.get(`/v1/lists/${a}/subscribers/count`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.Error?.Code).toBe('LIST_NOT_FOUND');
  });
});

const dayOf = (d: Date) => new Date(d.getTime() + 9 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');

describe('L1/L11 lists', () => {
  it('L11: POST /v2/lists creates a list with the v2 settings and their defaults; GET /v2/lists/{id} reads it', async () => {
    // The yml's createList requires the five fields (empty strings allowed) and answers `{id}` (issue 13).
    const created = await api.post<List>('/v2/lists', { name: '  주간 뉴스레터  ', senderName: '', companyName: '', companyContact: '', companyAddress: '' });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ id: expect.any(Number) });
    const read = await api.get<List>(`/v2/lists/${created.json.id}`);
    expect(read.json).toMatchObject({
      name: '주간 뉴스레터',
      kind: 'standard',
      senderName: '',
      companyName: '',
      companyContact: '',
      companyAddress: '',
      useSubscriberAutoDelete: true,
      canSendToUnsubscribed: false,
      fields: [
        { tag: 'email', label: '이메일 주소', type: 'email' },
        { tag: 'name', label: '이름', type: 'text' },
      ],
    });
    expect(Number.isSafeInteger(created.json.id) && created.json.id > 0).toBe(true);

    const full = await api.post<List>('/v2/lists', {
      name: '설정 있는 주소록',
      senderName: '스티비',
      companyName: '(주)스티비',
      companyContact: '02-000-0000',
      companyAddress: '서울시',
      useSubscriberAutoDelete: false,
      canSendToUnsubscribed: true,
    });
    expect((await api.get<List>(`/v2/lists/${full.json.id}`)).json).toMatchObject({
      senderName: '스티비',
      companyName: '(주)스티비',
      companyContact: '02-000-0000',
      companyAddress: '서울시',
      useSubscriberAutoDelete: false,
      canSendToUnsubscribed: true,
    });
    expect(full.json.id).not.toBe(created.json.id);

    for (const bad of [{}, { name: 'x' }, { ...listBasics, name: '' }, { ...listBasics, name: '   ' }, { ...listBasics, name: 'x', useSubscriberAutoDelete: 'Y' }]) {
      const res = await api.post('/v2/lists', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.error?.code).toBe('stberror.Errors.Data.InvalidRequest');
    }
  });

  it('L11: PUT /v2/lists/{id} changes only the non-empty fields it is given', async () => {
    const id = (await api.post<List>('/v2/lists', { name: '원래 이름', senderName: '원래 발신자', companyName: '원래 회사', companyContact: '', companyAddress: '' })).json.id;
    const before = (await api.get<List>(`/v2/lists/${id}`)).json;

    const first = await api.put(`/v2/lists/${id}`, { name: '', senderName: '새 발신자', companyName: '', useSubscriberAutoDelete: false });
    expect(first.status).toBe(200);
    const afterFirst = (await api.get<List>(`/v2/lists/${id}`)).json;
    expect(afterFirst).toMatchObject({
      name: '원래 이름',
      senderName: '새 발신자',
      companyName: '원래 회사',
      companyContact: '',
      useSubscriberAutoDelete: false,
      canSendToUnsubscribed: false,
      fields: before.fields,
      createdDate: before.createdDate,
    });

    await api.put(`/v2/lists/${id}`, { companyContact: 'help@x.com', companyAddress: '부산시', canSendToUnsubscribed: true });
    expect((await api.get<List>(`/v2/lists/${id}`)).json).toMatchObject({
      name: '원래 이름',
      senderName: '새 발신자',
      companyName: '원래 회사',
      companyContact: 'help@x.com',
      companyAddress: '부산시',
      useSubscriberAutoDelete: false,
      canSendToUnsubscribed: true,
    });
    await api.put(`/v2/lists/${id}`, { name: '새 이름', useSubscriberAutoDelete: true });
    const last = (await api.get<List>(`/v2/lists/${id}`)).json;
    expect(last).toMatchObject({ name: '새 이름', useSubscriberAutoDelete: true, canSendToUnsubscribed: true, senderName: '새 발신자' });
    expect((await api.get<List[]>('/v1/lists')).body.Value.find((l) => l.id === id)?.name).toBe('새 이름');

    const refused = await api.put(`/v2/lists/${id}`, { name: 'x', unknownSetting: 1 });
    expect(refused.status).toBe(400);
    expect((await api.get<List>(`/v2/lists/${id}`)).json).toEqual(last);
  });

  it('L1: DELETE /v2/lists/{id} removes the list from GET /v1/lists and its id then answers LIST_NOT_FOUND', async () => {
    const keep = await createList(api, 'keep');
    const id = await createList(api, 'doomed');
    const g = await createGroup(api, id);
    await subscribe(api, id, { groupIds: [g], subscribers: [{ email: 'gone@x.com', name: '삭제', phone: '010-5555-6666' }] });
    const res = await api.del(`/v2/lists/${id}`);
    expect(res.status).toBe(200);
    expect(res.status).toBeLessThan(300);
    const lists = (await api.get<List[]>('/v1/lists')).body.Value.map((l) => l.id);
    expect(lists).toContain(keep);
    expect(lists).not.toContain(id);
    const paths: [string, string, unknown?][] = [
      ['GET', `/v2/lists/${id}`],
      ['PUT', `/v2/lists/${id}`, { name: 'again' }],
      ['DELETE', `/v2/lists/${id}`],
      ['GET', `/v2/lists/${id}/fields`],
      ['POST', `/v2/lists/${id}/fields`, { tag: 'x', label: 'x' }],
      ['POST', `/v2/lists/${id}/groups`, { name: 'x' }],
      ['DELETE', `/v2/lists/${id}/groups/${g}`],
      ['GET', `/v1/lists/${id}/groups`],
      ['GET', `/v1/lists/${id}/subscribers`],
      ['GET', `/v1/lists/${id}/subscribers/count`],
      ['POST', `/v1/lists/${id}/subscribers`, { subscribers: [{ email: 'new@x.com' }] }],
      ['DELETE', `/v1/lists/${id}/subscribers`, ['gone@x.com']],
      ['PUT', `/v1/lists/${id}/subscribers/unsubscribe`, ['gone@x.com']],
      ['POST', `/v1/lists/${id}/groups/${g}/subscribers/assign`, ['gone@x.com']],
    ];
    for (const [method, path, body] of paths) {
      const r = await api.request(method, path, body);
      if (path.startsWith('/v2/')) {
        // The v2 convention (issue 13): 400, the yml's PermissionDenied.
        expect(r.status, `${method} ${path}`).toBe(400);
        expect(r.json).toEqual({ code: 'stberror.Errors.Authorization.PermissionDenied', httpStatusCode: 400, message: '허용되지 않은 요청입니다.' });
        continue;
      }
      // v1 writes report the refusal in the envelope of an HTTP 200, as the original (issue 13); GETs keep 404.
      expect(r.status, `${method} ${path}`).toBe(path.startsWith('/v1/') && method !== 'GET' ? 200 : 404);
      expect(r.body).toMatchObject({ Ok: false, Error: { Code: 'LIST_NOT_FOUND', HttpStatusCode: 404 }, Value: null });
    }
    // The deleted list's phone numbers do not haunt a new list.
    const fresh = await createList(api, 'fresh');
    const added = await subscribe(api, fresh, { subscribers: [{ email: 'gone@x.com', phone: '010-5555-6666' }] });
    expect(added.body.Value.success).toHaveLength(1);
  });
});

describe('L2 custom fields', () => {
  it('L2: GET/POST /v2/lists/{id}/fields list and add fields; a duplicate tag is FIELD_TAG_EXISTS', async () => {
    const id = await createList(api, 'fields', [{ tag: 'name', label: '이름' }]);
    const listed = await api.get<Field[]>(`/v2/lists/${id}/fields`);
    expect(listed.json).toEqual([
      { tag: 'email', label: '이메일 주소', type: 'email' },
      { tag: 'name', label: '이름', type: 'text' },
    ]);
    const added = await api.post<Field[]>(`/v2/lists/${id}/fields`, { tag: 'birthday', label: '생일', type: 'date' });
    expect(added.status).toBe(200);
    expect(added.json.at(-1)).toEqual({ tag: 'birthday', label: '생일', type: 'date' });
    const textByDefault = await api.post<Field[]>(`/v2/lists/${id}/fields`, { tag: 'memo', label: '메모' });
    expect(textByDefault.json.at(-1)).toEqual({ tag: 'memo', label: '메모', type: 'text' });

    for (const tag of ['birthday', 'name', 'email']) {
      const dup = await api.post(`/v2/lists/${id}/fields`, { tag, label: '중복' });
      expect(dup.status, tag).toBe(400);
      expect(dup.error?.code).toBe('stberror.Errors.List.AlreadyExistSubscriberVar');
    }
    const dupAtCreation = await api.post('/v2/lists', { ...listBasics, name: 'dup', fields: [{ tag: 'a', label: 'a' }, { tag: 'a', label: 'b' }] });
    expect(dupAtCreation.error?.code).toBe('stberror.Errors.List.AlreadyExistSubscriberVar');
    expect((await api.get<Field[]>(`/v2/lists/${id}/fields`)).json.map((f) => f.tag)).toEqual(['email', 'name', 'birthday', 'memo']);
  });

  it('L2: PUT relabels and retypes; number and date fields keep their type; email is FIELD_RESERVED', async () => {
    const id = await createList(api, 'retype', [
      { tag: 'name', label: '이름' },
      { tag: 'points', label: '적립금', type: 'number' },
      { tag: 'joined', label: '가입일', type: 'date' },
    ]);
    const relabel = await api.put<Field[]>(`/v2/lists/${id}/fields/name`, { label: '성함' });
    expect(relabel.status).toBe(200);
    expect(relabel.json.find((f) => f.tag === 'name')).toEqual({ tag: 'name', label: '성함', type: 'text' });
    const retype = await api.put<Field[]>(`/v2/lists/${id}/fields/name`, { type: 'yesno' });
    expect(retype.json.find((f) => f.tag === 'name')).toEqual({ tag: 'name', label: '성함', type: 'yesno' });
    const relabelNumber = await api.put<Field[]>(`/v2/lists/${id}/fields/points`, { label: '포인트', type: 'number' });
    expect(relabelNumber.json.find((f) => f.tag === 'points')).toEqual({ tag: 'points', label: '포인트', type: 'number' });

    const before = (await api.get<Field[]>(`/v2/lists/${id}/fields`)).json;
    for (const [tag, type] of [
      ['points', 'text'],
      ['joined', 'text'],
      ['joined', 'number'],
      ['name', 'number'],
      ['name', 'date'],
    ]) {
      const res = await api.put(`/v2/lists/${id}/fields/${tag}`, { type });
      expect(res.status, `${tag} -> ${type}`).toBe(400);
      expect(res.error?.code).toBe('stberror.Errors.List.InvalidSubscriberVarType');
    }
    for (const res of [
      await api.put(`/v2/lists/${id}/fields/email`, { label: '메일' }),
      await api.put(`/v2/lists/${id}/fields/email`, { type: 'text' }),
      await api.del(`/v2/lists/${id}/fields/email`),
    ]) {
      expect(res.status).toBe(400);
      expect(res.error?.code).toBe('stberror.Errors.List.ReservedSubscriberVar');
    }
    const missing = await api.put(`/v2/lists/${id}/fields/nothing`, { label: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.error?.code).toBe('stberror.Errors.List.NoSuchSubscriberVar');
    expect((await api.get<Field[]>(`/v2/lists/${id}/fields`)).json).toEqual(before);
  });

  it('L2: DELETE removes a field; its values are no longer shown, and a field of the same tag starts empty', async () => {
    const id = await createList(api, 'remove', [
      { tag: 'name', label: '이름' },
      { tag: 'city', label: '도시' },
    ]);
    await subscribe(api, id, { subscribers: [{ email: 'a@x.com', name: '가', city: '서울' }] });
    expect((await allSubscribers(api, id)).get('a@x.com')).toMatchObject({ name: '가', city: '서울' });
    const removed = await api.del<Field[]>(`/v2/lists/${id}/fields/city`);
    expect(removed.status).toBe(200);
    expect(removed.json.map((f) => f.tag)).toEqual(['email', 'name']);
    expect((await allSubscribers(api, id)).get('a@x.com')).not.toHaveProperty('city');
    await api.post(`/v2/lists/${id}/fields`, { tag: 'city', label: '도시' });
    expect((await allSubscribers(api, id)).get('a@x.com')?.city ?? '').toBe('');
    const again = await api.del(`/v2/lists/${id}/fields/nothing`);
    expect(again.status).toBe(400);
    expect(again.error?.code).toBe('stberror.Errors.List.NoSuchSubscriberVar');
  });

  it('L2: deleting the phone field deletes the numbers, so a re-added phone field has them all free', async () => {
    const id = await createList(api, 'phones', [{ tag: 'phone', label: '전화번호', type: 'phone' }]);
    await subscribe(api, id, { subscribers: [{ email: 'a@x.com', phone: '010-1111-2222' }] });
    expect((await api.del(`/v2/lists/${id}/fields/phone`)).status).toBe(200);
    await api.post(`/v2/lists/${id}/fields`, { tag: 'phone', label: '휴대폰', type: 'phone' });
    const res = await subscribe(api, id, { subscribers: [{ email: 'b@x.com', phone: '010-1111-2222' }] });
    expect(res.body.Value.success.map((s) => s.email)).toEqual(['b@x.com']);
    const subs = await allSubscribers(api, id);
    expect(subs.get('a@x.com')?.phone ?? '').toBe('');
    expect(subs.get('b@x.com')?.phone).toBe('010-1111-2222');
    expect(await counts(api, id)).toEqual({ subscribed: 2, unsubscribed: 0, autoDeleted: 0, total: 2 });
  });
});

describe('groups', () => {
  it('L7: POST/PUT/DELETE /v2/lists/{id}/groups manage groups; deleting one releases its members', async () => {
    const id = await createList(api);
    const created = await api.post<Group>(`/v2/lists/${id}/groups`, { name: '  신규 회원  ' });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ id: expect.any(Number) });
    const g = created.json.id;
    expect((await api.get<Group[]>(`/v2/lists/${id}/groups`)).json).toEqual([{ id: g, listId: id, name: '신규 회원', createdTime: expect.stringMatching(/\+09:00$/) }]);
    const keep = await createGroup(api, id, 'keep');
    await subscribe(api, id, { groupIds: [g, keep], subscribers: [{ email: 'a@x.com' }, { email: 'b@x.com' }] });

    const renamed = await api.put<Group>(`/v2/lists/${id}/groups/${g}`, { name: '기존 회원' });
    expect(renamed.text).toBe('ok');
    expect((await api.get<Group[]>(`/v2/lists/${id}/groups?sortOrder=asc`)).json).toMatchObject([{ id: g, listId: id, name: '기존 회원' }, { id: keep }]);
    expect((await api.put(`/v2/lists/${id}/groups/${g}`, { name: '' })).status).toBe(400);

    const deleted = await api.del(`/v2/lists/${id}/groups/${g}`);
    expect(deleted.status).toBe(200);
    expect(deleted.status).toBeLessThan(300);
    expect((await api.get<Group[]>(`/v1/lists/${id}/groups`)).body.Value.map((x) => x.id)).toEqual([keep]);
    const subs = await allSubscribers(api, id);
    expect(subs.size).toBe(2);
    for (const s of subs.values()) expect(s.groupIds).toEqual([keep]);
    expect(await counts(api, id)).toEqual({ subscribed: 2, unsubscribed: 0, autoDeleted: 0, total: 2 });

    for (const res of [await api.put(`/v2/lists/${id}/groups/${g}`, { name: 'x' }), await api.del(`/v2/lists/${id}/groups/${g}`)]) {
      expect(res.status).toBe(400);
      expect(res.error?.code).toBe('stberror.Errors.List.NoSuchGroup');
    }
    for (const res of [
      await api.get(`/v1/lists/${id}/subscribers?groupId=${g}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.Error?.Code).toBe('GROUP_NOT_FOUND');
    }
    // A v1 write reports it in the envelope of an HTTP 200 (issue 13).
    const assign = await api.post(`/v1/lists/${id}/groups/${g}/subscribers/assign`, ['a@x.com']);
    expect(assign.status).toBe(200);
    expect(assign.body).toMatchObject({ Ok: false, Error: { Code: 'GROUP_NOT_FOUND', HttpStatusCode: 404 }, Value: null });
    // A group id of another list is not found under this list.
    const other = await createList(api);
    expect((await api.put(`/v2/lists/${other}/groups/${keep}`, { name: 'x' })).error?.code).toBe('stberror.Errors.List.NoSuchGroup');
    expect((await api.del(`/v2/lists/${other}/groups/${keep}`)).error?.code).toBe('stberror.Errors.List.NoSuchGroup');
    expect((await api.get<Group[]>(`/v1/lists/${id}/groups`)).body.Value.map((x) => [x.id, x.name])).toEqual([[keep, 'keep']]);
  });
});
