/** Small HTTP helpers shared by the list API tests. */
import { expect } from 'vitest';
import type { ApiClient } from './app';
import type { SubscribeResult } from '#shared/subscribers/buckets';

export interface Subscriber extends Record<string, unknown> {
  email: string;
  status: string;
  $ad_agreed: string;
  groupIds: number[];
}

export const withPhone = [
  { tag: 'name', label: '이름' },
  { tag: 'phone', label: '전화번호', type: 'phone' },
];

/** The five fields the public v2 API requires to create a list (reference/stibee-api-v2_openapi.yml CreateListRequest). */
export const listBasics = { senderName: '발신자', companyName: '회사', companyContact: '0212341234', companyAddress: '서울시 중구' };

/** POST /v2/lists answers `{id}` as bare JSON (issue 13). */
export async function createList(api: ApiClient, name = 'list', fields: unknown[] = withPhone): Promise<number> {
  const res = await api.post<{ id: number }>('/v2/lists', { name, ...listBasics, fields });
  expect(res.status, res.text).toBe(200);
  expect(res.json).toEqual({ id: expect.any(Number) });
  return res.json.id;
}

let groupNames = 0;
/** Group names are unique in a list (AlreadyExistGroup): the default name gets a counter. */
export async function createGroup(api: ApiClient, listId: number, name = `group-${++groupNames}`): Promise<number> {
  const res = await api.post<{ id: number }>(`/v2/lists/${listId}/groups`, { name });
  expect(res.status, res.text).toBe(200);
  expect(res.json).toEqual({ id: expect.any(Number) });
  return res.json.id;
}

export async function counts(api: ApiClient, listId: number) {
  const res = await api.get<{ subscribed: number; unsubscribed: number; autoDeleted: number; total: number }>(
    `/v1/lists/${listId}/subscribers/count`,
  );
  expect(res.body.Ok, res.text).toBe(true);
  return res.body.Value;
}

/** Every subscriber of the list (walking all pages), by email. */
export async function allSubscribers(api: ApiClient, listId: number, query = ''): Promise<Map<string, Subscriber>> {
  const out = new Map<string, Subscriber>();
  let cursor: string | null = null;
  do {
    const qs = new URLSearchParams(query);
    qs.set('limit', '100');
    if (cursor) qs.set('cursor', cursor);
    const res = await api.get<{ items: Subscriber[]; nextCursor: string | null }>(`/v1/lists/${listId}/subscribers?${qs}`);
    expect(res.body.Ok, res.text).toBe(true);
    for (const s of res.body.Value.items) {
      expect(out.has(s.email), `duplicate ${s.email} across pages`).toBe(false);
      out.set(s.email, s);
    }
    cursor = res.body.Value.nextCursor;
  } while (cursor);
  return out;
}

/** Everything a client can read about a list: to assert that a refused request changed nothing. */
export async function snapshot(api: ApiClient, listId: number) {
  return {
    counts: await counts(api, listId),
    subscribers: [...(await allSubscribers(api, listId)).values()].sort((a, b) => a.email.localeCompare(b.email)),
  };
}

export async function subscribe(api: ApiClient, listId: number, body: unknown) {
  return api.post<SubscribeResult>(`/v1/lists/${listId}/subscribers`, body);
}
