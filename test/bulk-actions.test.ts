/** SPEC L5 (delete for good), L6 (unsubscribe), L7 (group assign/release), through HTTP. */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createGroup, createList, snapshot, subscribe } from './support/lists';

type Deleted = { success: string[]; fail: string[] };
type Unsubscribed = { success: string[]; failOrAlreadyUnsubscribe: string[] };
type Grouped = { success: string[]; fail: string[] };

let app: TestApp;
let api: ApiClient;
useTestApp((started) => ({ app, api } = started));

const phoneOf = (i: number) => `010-1234-${String(i).padStart(4, '0')}`;

/** A list with name and phone fields and one subscriber per email (phone 010-1234-000i). */
async function listWith(emails: string[]): Promise<number> {
  const listId = await createList(api);
  const res = await subscribe(api, listId, {
    subscribers: emails.map((email, i) => ({ email, name: `이름${i}`, phone: phoneOf(i) })),
  });
  expect(res.body.Value.success, res.text).toHaveLength(emails.length);
  return listId;
}

const sorted = (values: Iterable<string>) => [...values].sort();

describe('L5 delete for good', () => {
  it('L5: DELETE removes the subscribers from the list and the counts; unknown and invalid emails land in fail', async () => {
    const listId = await listWith(['one@x.com', 'two@x.com', 'three@x.com']);
    const res = await api.del<Deleted>(`/v1/lists/${listId}/subscribers`, ['one@x.com', 'nobody@x.com', 'not-an-email', '']);
    expect(res.status).toBe(200);
    expect(res.body.Ok).toBe(true);
    expect(res.body.Error).toBeNull();
    expect(res.body.Value.success).toEqual(['one@x.com']);
    expect(sorted(res.body.Value.fail)).toEqual(sorted(['nobody@x.com', 'not-an-email', '']));

    const left = await allSubscribers(api, listId);
    expect(sorted(left.keys())).toEqual(['three@x.com', 'two@x.com']);
    expect(await counts(api, listId)).toEqual({ subscribed: 2, unsubscribed: 0, autoDeleted: 0, total: 2 });
  });

  it('L5: emails are normalised (case, whitespace) and a second delete of the same email fails', async () => {
    const listId = await listWith(['mixed@x.com']);
    const res = await api.del<Deleted>(`/v1/lists/${listId}/subscribers`, ['  MiXeD@X.COM\t']);
    expect(res.body.Value).toEqual({ success: ['mixed@x.com'], fail: [] });
    expect((await allSubscribers(api, listId)).size).toBe(0);
    const again = await api.del<Deleted>(`/v1/lists/${listId}/subscribers`, ['mixed@x.com']);
    expect(again.body.Value).toEqual({ success: [], fail: ['mixed@x.com'] });
    expect(await counts(api, listId)).toEqual({ subscribed: 0, unsubscribed: 0, autoDeleted: 0, total: 0 });
  });

  it("L5: a deleted subscriber's phone is free again for another email", async () => {
    const listId = await listWith(['owner@x.com', 'keeper@x.com']);
    // While the owner exists, its phone is taken (L3).
    const taken = await subscribe(api, listId, { subscribers: [{ email: 'newcomer@x.com', phone: phoneOf(0) }] });
    expect(taken.body.Value.failExistPhone.map((s) => s.email)).toEqual(['newcomer@x.com']);

    expect((await api.del<Deleted>(`/v1/lists/${listId}/subscribers`, ['owner@x.com'])).body.Value.success).toEqual(['owner@x.com']);
    const reused = await subscribe(api, listId, { subscribers: [{ email: 'newcomer@x.com', phone: phoneOf(0) }] });
    expect(reused.body.Value.success.map((s) => s.email)).toEqual(['newcomer@x.com']);
    expect((await allSubscribers(api, listId)).get('newcomer@x.com')?.phone).toBeDefined();
    expect(await counts(api, listId)).toEqual({ subscribed: 2, unsubscribed: 0, autoDeleted: 0, total: 2 });
  });

  it('L5: deleting unsubscribed subscribers lowers the unsubscribed count', async () => {
    const listId = await listWith(['a@x.com', 'b@x.com', 'c@x.com']);
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['a@x.com', 'b@x.com']);
    expect(await counts(api, listId)).toEqual({ subscribed: 1, unsubscribed: 2, autoDeleted: 0, total: 3 });
    const res = await api.del<Deleted>(`/v1/lists/${listId}/subscribers`, ['b@x.com', 'c@x.com']);
    expect(sorted(res.body.Value.success)).toEqual(['b@x.com', 'c@x.com']);
    expect(await counts(api, listId)).toEqual({ subscribed: 0, unsubscribed: 1, autoDeleted: 0, total: 1 });
  });
});

describe('L6 unsubscribe', () => {
  it('L6: PUT unsubscribe moves subscribers to unsubscribed; a second unsubscribe lands in failOrAlreadyUnsubscribe', async () => {
    const listId = await listWith(['a@x.com', 'b@x.com', 'c@x.com']);
    const first = await api.put<Unsubscribed>(`/v1/lists/${listId}/subscribers/unsubscribe`, [' A@x.COM ', 'b@x.com', 'nobody@x.com', 'bad@']);
    expect(first.status).toBe(200);
    expect(first.body.Ok).toBe(true);
    expect(sorted(first.body.Value.success)).toEqual(['a@x.com', 'b@x.com']);
    expect(sorted(first.body.Value.failOrAlreadyUnsubscribe)).toEqual(['bad@', 'nobody@x.com']);

    const second = await api.put<Unsubscribed>(`/v1/lists/${listId}/subscribers/unsubscribe`, ['a@x.com', 'c@x.com']);
    expect(second.body.Value).toEqual({ success: ['c@x.com'], failOrAlreadyUnsubscribe: ['a@x.com'] });

    const subs = await allSubscribers(api, listId);
    expect([...subs.values()].map((s) => [s.email, s.status]).sort()).toEqual([
      ['a@x.com', 'unsubscribed'],
      ['b@x.com', 'unsubscribed'],
      ['c@x.com', 'unsubscribed'],
    ]);
    expect(await counts(api, listId)).toEqual({ subscribed: 0, unsubscribed: 3, autoDeleted: 0, total: 3 });
    expect(sorted((await allSubscribers(api, listId, 'status=unsubscribed')).keys())).toEqual(['a@x.com', 'b@x.com', 'c@x.com']);
    expect((await allSubscribers(api, listId, 'status=subscribed')).size).toBe(0);
  });
});

describe('L7 group assign and release', () => {
  it('L7: assign and release answer success/fail; the groupId filter of the subscriber list follows', async () => {
    const listId = await listWith(['a@x.com', 'b@x.com', 'c@x.com']);
    const vip = await createGroup(api, listId, 'VIP');
    const other = await createGroup(api, listId, '일반');

    const assigned = await api.post<Grouped>(`/v1/lists/${listId}/groups/${vip}/subscribers/assign`, [
      'a@x.com',
      ' B@X.com',
      'nobody@x.com',
      'wrong',
    ]);
    expect(assigned.status).toBe(200);
    expect(assigned.body.Ok).toBe(true);
    expect(sorted(assigned.body.Value.success)).toEqual(['a@x.com', 'b@x.com']);
    expect(sorted(assigned.body.Value.fail)).toEqual(['nobody@x.com', 'wrong']);
    expect(sorted((await allSubscribers(api, listId, `groupId=${vip}`)).keys())).toEqual(['a@x.com', 'b@x.com']);
    expect((await allSubscribers(api, listId, `groupId=${other}`)).size).toBe(0);
    expect((await allSubscribers(api, listId)).get('a@x.com')?.groupIds).toEqual([vip]);

    const released = await api.post<Grouped>(`/v1/lists/${listId}/groups/${vip}/subscribers/release`, ['A@x.com', 'c@x.com']);
    expect(released.status).toBe(200);
    expect(released.body.Value).toEqual({ success: ['a@x.com'], fail: ['c@x.com'] });
    expect(sorted((await allSubscribers(api, listId, `groupId=${vip}`)).keys())).toEqual(['b@x.com']);
    expect((await allSubscribers(api, listId)).get('a@x.com')?.groupIds).toEqual([]);
    // Group membership never touches status counts.
    expect(await counts(api, listId)).toEqual({ subscribed: 3, unsubscribed: 0, autoDeleted: 0, total: 3 });
  });

  it('L7: unsubscribed subscribers can be assigned too, and the status filter combines with the group filter', async () => {
    const listId = await listWith(['a@x.com', 'b@x.com']);
    const g = await createGroup(api, listId);
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['b@x.com']);
    const res = await api.post<Grouped>(`/v1/lists/${listId}/groups/${g}/subscribers/assign`, ['a@x.com', 'b@x.com']);
    expect(sorted(res.body.Value.success)).toEqual(['a@x.com', 'b@x.com']);
    expect(sorted((await allSubscribers(api, listId, `groupId=${g}&status=unsubscribed`)).keys())).toEqual(['b@x.com']);
    expect(sorted((await allSubscribers(api, listId, `groupId=${g}&status=subscribed`)).keys())).toEqual(['a@x.com']);
  });

  it('L7: a group of another list answers GROUP_NOT_FOUND (HttpStatusCode 404) and nothing changes', async () => {
    const listId = await listWith(['a@x.com', 'b@x.com']);
    const own = await createGroup(api, listId, 'own');
    await api.post(`/v1/lists/${listId}/groups/${own}/subscribers/assign`, ['b@x.com']);
    const otherList = await listWith(['a@x.com']);
    const foreign = await createGroup(api, otherList, 'foreign');
    const before = await snapshot(api, listId);
    const otherBefore = await snapshot(api, otherList);

    for (const action of ['assign', 'release']) {
      for (const groupId of [foreign, 987654321]) {
        const res = await api.post(`/v1/lists/${listId}/groups/${groupId}/subscribers/${action}`, ['a@x.com', 'b@x.com']);
        // A v1 write reports the refusal in the envelope of an HTTP 200, as the original (issue 13).
        expect(res.status, `${action} ${groupId}`).toBe(200);
        expect(res.body).toMatchObject({ Ok: false, Error: { Code: 'GROUP_NOT_FOUND', HttpStatusCode: 404 }, Value: null });
      }
    }
    const filtered = await api.get(`/v1/lists/${listId}/subscribers?groupId=${foreign}`);
    expect(filtered.status).toBe(404);
    expect(filtered.body.Error?.Code).toBe('GROUP_NOT_FOUND');

    expect(await snapshot(api, listId)).toEqual(before);
    expect(await snapshot(api, otherList)).toEqual(otherBefore);
  });

  it('L5: deleting a group member removes it from the group filter as well', async () => {
    const listId = await listWith(['a@x.com', 'b@x.com']);
    const g = await createGroup(api, listId);
    await api.post(`/v1/lists/${listId}/groups/${g}/subscribers/assign`, ['a@x.com', 'b@x.com']);
    await api.del(`/v1/lists/${listId}/subscribers`, ['a@x.com']);
    expect(sorted((await allSubscribers(api, listId, `groupId=${g}`)).keys())).toEqual(['b@x.com']);
    // Re-added, the email starts with no group: its old membership went with it.
    await subscribe(api, listId, { subscribers: [{ email: 'a@x.com' }] });
    expect((await allSubscribers(api, listId)).get('a@x.com')?.groupIds).toEqual([]);
    expect(sorted((await allSubscribers(api, listId, `groupId=${g}`)).keys())).toEqual(['b@x.com']);
  });
});
