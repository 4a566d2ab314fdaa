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

/** The v1 count look-up (an integer) for one status code, or every status. */
export async function countOf(api: ApiClient, listId: number, query = ''): Promise<number> {
  const res = await api.get<number>(`/v1/lists/${listId}/subscribers/count${query ? `?${query}` : ''}`);
  expect(res.body.Ok, res.text).toBe(true);
  expect(Number.isInteger(res.body.Value), res.text).toBe(true);
  return res.body.Value;
}

/** Counts by status, from one v1 count look-up per status (S, D, A) and one for the total. */
export async function counts(api: ApiClient, listId: number) {
  const [subscribed, unsubscribed, autoDeleted, total] = await Promise.all(['status=S', 'status=D', 'status=A', ''].map((q) => countOf(api, listId, q)));
  return { subscribed: subscribed!, unsubscribed: unsubscribed!, autoDeleted: autoDeleted!, total: total! };
}

/** A row of the v1 subscriber look-up (reference/api-webhook_list-api_2024-04-18.md). */
export interface V1Row extends Record<string, unknown> {
  email: string;
  status: 'S' | 'D' | 'A';
  createdTime: string;
  modifiedTime: string;
  stb_ad_agreement: boolean;
  groupIds: number[];
}

const statusWords = { S: 'subscribed', D: 'unsubscribed', A: 'autoDeleted' } as const;

/** Our words for a look-up row, so tests read status and consent as the domain names them. */
export function asSubscriber(row: V1Row): Subscriber {
  const { status, stb_ad_agreement, createdTime: _c, modifiedTime: _m, created_time: _c2, modified_time: _m2, ...rest } = row;
  return { ...rest, status: statusWords[status], $ad_agreed: stb_ad_agreement ? 'Y' : 'N' };
}

/** Every subscriber of the list (walking all pages by offset), by email. `query` filters (status=S, groupId=…). */
export async function allSubscribers(api: ApiClient, listId: number, query = ''): Promise<Map<string, Subscriber>> {
  const out = new Map<string, Subscriber>();
  const limit = 1000;
  for (let offset = 0; ; offset += limit) {
    const qs = new URLSearchParams(query.replace(/status=(subscribed|unsubscribed|autoDeleted)/, (_, w: string) => `status=${w === 'subscribed' ? 'S' : w === 'unsubscribed' ? 'D' : 'A'}`));
    qs.set('limit', String(limit));
    qs.set('offset', String(offset));
    const res = await api.get<V1Row[]>(`/v1/lists/${listId}/subscribers?${qs}`);
    expect(res.body.Ok, res.text).toBe(true);
    expect(Array.isArray(res.body.Value), res.text).toBe(true);
    for (const row of res.body.Value) {
      expect(out.has(row.email), `duplicate ${row.email} across pages`).toBe(false);
      out.set(row.email, asSubscriber(row));
    }
    if (res.body.Value.length < limit) break;
  }
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
