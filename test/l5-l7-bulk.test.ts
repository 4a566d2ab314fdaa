/** SPEC L5 (delete for good), L6 (unsubscribe), L7 (group assign/release), through HTTP. */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createGroup, createList, snapshot, subscribe } from './support/lists';

let app: TestApp;
let api: ApiClient;
useTestApp((started) => ({ app, api } = started));

async function listWith(emails: string[]) {
  const listId = await createList(api);
  await subscribe(api, listId, { subscribers: emails.map((email, i) => ({ email, name: `n${i}`, phone: `010-0000-${String(i).padStart(4, '0')}` })) });
  return listId;
}

describe('L5-L7', () => {
  it('L5: deletes subscribers for good; unknown and malformed emails land in fail; the phone is free again', async () => {
    const listId = await listWith(['a@x.com', 'b@x.com', 'c@x.com']);
    const res = await api.del<{ success: string[]; fail: string[] }>(`/v1/lists/${listId}/subscribers`, [
      ' A@X.com ',
      'nobody@x.com',
      'broken',
    ]);
    expect(res.status).toBe(200);
    expect(res.body.Value.success).toEqual(['a@x.com']);
    // Buckets keep the body's order.
    expect(res.body.Value.fail).toEqual(['nobody@x.com', 'broken']);
    const subs = await allSubscribers(api, listId);
    expect([...subs.keys()].sort()).toEqual(['b@x.com', 'c@x.com']);
    expect(await counts(api, listId)).toEqual({ subscribed: 2, unsubscribed: 0, autoDeleted: 0, total: 2 });
    const reuse = await subscribe(api, listId, { subscribers: [{ email: 'z@x.com', phone: '010-0000-0000' }] });
    expect(reuse.body.Value.success).toHaveLength(1);
    const again = await api.del<{ success: string[]; fail: string[] }>(`/v1/lists/${listId}/subscribers`, ['a@x.com']);
    expect(again.body.Value).toEqual({ success: [], fail: ['a@x.com'] });
  });

  it('L5: deleting an unsubscribed subscriber moves the unsubscribed count', async () => {
    const listId = await listWith(['u@x.com']);
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['u@x.com']);
    expect(await counts(api, listId)).toMatchObject({ unsubscribed: 1, total: 1 });
    await api.del(`/v1/lists/${listId}/subscribers`, ['u@x.com']);
    expect(await counts(api, listId)).toEqual({ subscribed: 0, unsubscribed: 0, autoDeleted: 0, total: 0 });
  });

  it('L6: unsubscribes subscribed emails; repeated, unknown and malformed ones land in failOrAlreadyUnsubscribe', async () => {
    const listId = await listWith(['a@x.com', 'b@x.com']);
    const res = await api.put<{ success: string[]; failOrAlreadyUnsubscribe: string[] }>(
      `/v1/lists/${listId}/subscribers/unsubscribe`,
      ['a@x.com', 'nobody@x.com', '???'],
    );
    expect(res.body.Value.success).toEqual(['a@x.com']);
    expect(res.body.Value.failOrAlreadyUnsubscribe.sort()).toEqual(['???', 'nobody@x.com']);
    const again = await api.put<{ success: string[]; failOrAlreadyUnsubscribe: string[] }>(
      `/v1/lists/${listId}/subscribers/unsubscribe`,
      ['A@x.com'],
    );
    expect(again.body.Value).toEqual({ success: [], failOrAlreadyUnsubscribe: ['a@x.com'] });
    expect((await allSubscribers(api, listId)).get('a@x.com')?.status).toBe('unsubscribed');
    expect(await counts(api, listId)).toEqual({ subscribed: 1, unsubscribed: 1, autoDeleted: 0, total: 2 });
  });

  it('L7: assigns and releases group members; the group filter of the subscriber list follows', async () => {
    const listId = await listWith(['a@x.com', 'b@x.com', 'c@x.com']);
    const group = await createGroup(api, listId, 'VIP');
    const assigned = await api.post<{ success: string[]; fail: string[] }>(
      `/v1/lists/${listId}/groups/${group}/subscribers/assign`,
      ['a@x.com', 'B@x.com', 'nobody@x.com'],
    );
    expect(assigned.status).toBe(200);
    expect(assigned.body.Value).toEqual({ success: ['a@x.com', 'b@x.com'], fail: ['nobody@x.com'] });
    expect([...(await allSubscribers(api, listId, `groupId=${group}`)).keys()].sort()).toEqual(['a@x.com', 'b@x.com']);
    const released = await api.post<{ success: string[]; fail: string[] }>(
      `/v1/lists/${listId}/groups/${group}/subscribers/release`,
      ['a@x.com', 'c@x.com'],
    );
    expect(released.body.Value).toEqual({ success: ['a@x.com'], fail: ['c@x.com'] });
    expect([...(await allSubscribers(api, listId, `groupId=${group}`)).keys()]).toEqual(['b@x.com']);
    expect((await allSubscribers(api, listId)).get('a@x.com')?.groupIds).toEqual([]);
  });

  it('L7: a group of another list, or an unknown one, is GROUP_NOT_FOUND and nothing changes', async () => {
    const listId = await listWith(['a@x.com']);
    const other = await createList(api, 'other');
    const foreign = await createGroup(api, other);
    const before = await snapshot(api, listId);
    for (const path of [`groups/${foreign}/subscribers/assign`, `groups/${foreign}/subscribers/release`, 'groups/424242/subscribers/assign']) {
      const res = await api.post(`/v1/lists/${listId}/${path}`, ['a@x.com']);
      // A v1 write reports the refusal in the envelope of an HTTP 200, as the original (issue 13).
      expect(res.status).toBe(200);
      expect(res.body.Error?.HttpStatusCode).toBe(404);
      expect(res.body.Error?.Code).toBe('GROUP_NOT_FOUND');
    }
    expect(await snapshot(api, listId)).toEqual(before);
  });

  it('R1: bodies that are not arrays of emails are refused', async () => {
    const listId = await listWith(['a@x.com']);
    const before = await snapshot(api, listId);
    for (const [method, path] of [
      ['DELETE', `/v1/lists/${listId}/subscribers`],
      ['PUT', `/v1/lists/${listId}/subscribers/unsubscribe`],
    ] as const) {
      const res = await api.request(method, path, { emails: ['a@x.com'] });
      expect(res.status).toBe(200);
      expect(res.body.Error?.HttpStatusCode).toBe(400);
      expect(res.body.Error?.Code).toBe('INVALID_REQUEST');
    }
    expect(await snapshot(api, listId)).toEqual(before);
  });
});
