/** SPEC L1, L2, L8, L11: look-ups and list, field and group management through HTTP. */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createGroup, createList, subscribe, type Subscriber } from './support/lists';

let app: TestApp;
let api: ApiClient;
useTestApp((started) => ({ app, api } = started));

type Page = { items: Subscriber[]; nextCursor: string | null };
type List = Record<string, unknown> & { id: number; fields: { tag: string; label: string; type: string }[] };

describe('L8 look-ups', () => {
  it('L8: lists of the workspace only, groups in creation order, counts by status', async () => {
    const other = await app.newWorkspace();
    await createList(other.api, 'theirs');
    const first = await createList(api, 'first');
    const second = await createList(api, 'second');
    const lists = (await api.get<List[]>('/v1/lists')).body.Value;
    expect(lists.map((l) => l.id)).toEqual(expect.arrayContaining([first, second]));
    expect(lists.every((l) => l.name !== 'theirs')).toBe(true);
    const g1 = await createGroup(api, first, '일반 회원');
    const g2 = await createGroup(api, first, 'VIP 회원');
    const groups = (await api.get<{ id: number; name: string }[]>(`/v1/lists/${first}/groups`)).body.Value;
    expect(groups.map((g) => [g.id, g.name])).toEqual([
      [g1, '일반 회원'],
      [g2, 'VIP 회원'],
    ]);
    await subscribe(api, first, { subscribers: [{ email: 'a@x.com' }, { email: 'b@x.com' }, { email: 'c@x.com' }] });
    await api.put(`/v1/lists/${first}/subscribers/unsubscribe`, ['c@x.com']);
    expect(await counts(api, first)).toEqual({ subscribed: 2, unsubscribed: 1, autoDeleted: 0, total: 3 });
  });

  it('L8: the subscriber list pages by cursor, newest first, without gaps or repeats, by status and by group', async () => {
    const listId = await createList(api);
    const group = await createGroup(api, listId);
    for (let batch = 0; batch < 3; batch++) {
      const subscribers = Array.from({ length: 15 }, (_, i) => ({ email: `p${batch}-${i}@x.com` }));
      await subscribe(api, listId, { groupIds: batch === 1 ? [group] : [], subscribers });
      await new Promise((r) => setTimeout(r, 5));
    }
    const sizes: number[] = [];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { Value: Page } } = await api.get<Page>(`/v1/lists/${listId}/subscribers?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
      sizes.push(res.body.Value.items.length);
      seen.push(...res.body.Value.items.map((s) => s.email));
      cursor = res.body.Value.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([20, 20, 5]);
    expect(new Set(seen).size).toBe(45);
    expect(seen.slice(0, 15).every((e) => e.startsWith('p2-'))).toBe(true);
    expect(seen.slice(30).every((e) => e.startsWith('p0-'))).toBe(true);

    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['p1-0@x.com', 'p2-3@x.com']);
    expect([...(await allSubscribers(api, listId, 'status=unsubscribed')).keys()].sort()).toEqual(['p1-0@x.com', 'p2-3@x.com']);
    expect((await allSubscribers(api, listId, 'status=subscribed')).size).toBe(43);
    const members = await allSubscribers(api, listId, `groupId=${group}`);
    expect(members.size).toBe(15);
    const firstGroupPage = await api.get<Page>(`/v1/lists/${listId}/subscribers?groupId=${group}&limit=10`);
    expect(firstGroupPage.body.Value.items).toHaveLength(10);
    expect(firstGroupPage.body.Value.nextCursor).not.toBeNull();
    expect((await allSubscribers(api, listId, `groupId=${group}&status=unsubscribed`)).size).toBe(1);
  });

  it('R1: bad query parameters are refused', async () => {
    const listId = await createList(api);
    for (const q of ['status=gone', 'limit=0', 'limit=1000', 'groupId=abc', 'cursor=notacursor']) {
      const res = await api.get(`/v1/lists/${listId}/subscribers?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.Error?.Code).toBe('INVALID_REQUEST');
    }
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
    expect(res.body.Value.failUnknown.map((r) => r.email)).toEqual(['m@x.com']);
    expect((await allSubscribers(api, id)).get('n@x.com')?.points).toBe(1200);
  });

  it('groups are renamed and deleted; deleting a group releases its members, who stay in the list', async () => {
    const id = await createList(api);
    const g = await createGroup(api, id, 'old');
    await subscribe(api, id, { groupIds: [g], subscribers: [{ email: 'm@x.com' }] });
    expect((await api.put(`/v2/lists/${id}/groups/${g}`, { name: 'new' })).text).toBe('ok');
    expect((await api.get<{ name: string }[]>(`/v2/lists/${id}/groups`)).json.map((x) => x.name)).toEqual(['new']);
    expect((await api.del(`/v2/lists/${id}/groups/${g}`)).status).toBeLessThan(300);
    expect((await api.get<unknown[]>(`/v1/lists/${id}/groups`)).body.Value).toEqual([]);
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
