/**
 * SPEC L4 (seed 002, reference/api-webhook_list-api_2024-04-18.md): POST /v1/lists/{listId}/subscribers,
 * through HTTP. A refusal reported in the envelope answers HTTP 200, as the original does (issue 13).
 */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createGroup, createList, snapshot, subscribe } from './support/lists';

let app: TestApp;
let api: ApiClient;
useTestApp((started) => ({ app, api } = started));

const seedBody = (groupIds: string[]) => [
  {
    eventOccurredBy: 'SUBSCRIBER',
    confirmEmailYN: 'N',
    groupIds,
    subscribers: [
      { email: 'gildong.go@stibee.com', name: '고길동' },
      { email: 'dooly@stibee.com', name: '둘리' },
    ],
  },
];

const BUCKETS = [
  'failDeny', 'failDuplicatedEmail', 'failDuplicatedPhone', 'failExistEmail', 'failExistPhone', 'failNoEmail',
  'failUnknown', 'failValidation', 'failValidationDateTime', 'failWrongEmail', 'failWrongPhone', 'success', 'update',
];

/** The row as echoed, without the five keys every bucket row carries besides (asserted in test/l4-callers.test.ts). */
const echo = (rows: Record<string, unknown>[]) =>
  rows.map(({ $type: _t, $status: _s, $createdTime: _c, $modifiedTime: _m, stb_ad_agreement: _a, ...rest }) => {
    expect([_t, _s, _c, _m, _a].every((v) => v !== undefined), JSON.stringify(rows)).toBe(true);
    return rest;
  });

describe('L4 subscribe', () => {
  it("L4: the seed's two-subscriber request (array form) adds both, with every bucket in the original's order", async () => {
    const listId = await createList(api);
    const g1 = await createGroup(api, listId, 'A');
    const g2 = await createGroup(api, listId, 'B');
    const res = await subscribe(api, listId, seedBody([String(g1), String(g2)]));
    expect(res.status).toBe(200);
    expect(Object.keys(JSON.parse(res.text))).toEqual(['Ok', 'Error', 'Value']);
    expect(Object.keys(res.body.Value)).toEqual(BUCKETS);
    expect(res.body.Ok).toBe(true);
    expect(res.body.Error).toBeNull();
    expect(echo(res.body.Value.success)).toEqual([
      { email: 'gildong.go@stibee.com', name: '고길동' },
      { email: 'dooly@stibee.com', name: '둘리' },
    ]);
    const subs = await allSubscribers(api, listId);
    expect(subs.get('dooly@stibee.com')).toMatchObject({ status: 'subscribed', name: '둘리', groupIds: [g1, g2] });
    expect(await counts(api, listId)).toEqual({ subscribed: 2, unsubscribed: 0, autoDeleted: 0, total: 2 });
  });

  it('L4: the same body as a bare object is accepted too', async () => {
    const listId = await createList(api);
    const res = await subscribe(api, listId, { ...seedBody([])[0] });
    expect(res.body.Value.success).toHaveLength(2);
  });

  it('L4: a lone already-subscribed SUBSCRIBER row is the byte-for-byte LIST_ALREADY_SUBSCRIBED error and changes nothing', async () => {
    const listId = await createList(api);
    await subscribe(api, listId, { subscribers: [{ email: 'dooly@stibee.com', name: '둘리' }] });
    const before = await snapshot(api, listId);
    const res = await subscribe(api, listId, [
      { eventOccurredBy: 'SUBSCRIBER', confirmEmailYN: 'N', subscribers: [{ email: 'dooly@stibee.com', name: '바뀐이름' }] },
    ]);
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      '{"Ok":false,"Error":{"Code":"LIST_ALREADY_SUBSCRIBED","HttpStatusCode":0,"Message":"이미 구독 중인 이메일 주소입니다."},"Value":null}',
    );
    expect(await snapshot(api, listId)).toEqual(before);
  });

  it('L4: SUBSCRIBER on a subscribed email among others lands in failExistEmail without updating it', async () => {
    const listId = await createList(api);
    await subscribe(api, listId, { subscribers: [{ email: 'a@x.com', name: 'old' }] });
    const res = await subscribe(api, listId, {
      eventOccurredBy: 'SUBSCRIBER',
      subscribers: [{ email: 'a@x.com', name: 'new' }, { email: 'b@x.com', name: 'b' }],
    });
    expect(echo(res.body.Value.failExistEmail)).toEqual([{ email: 'a@x.com', name: 'new' }]);
    expect(echo(res.body.Value.success)).toEqual([{ email: 'b@x.com', name: 'b' }]);
    expect((await allSubscribers(api, listId)).get('a@x.com')?.name).toBe('old');
  });

  it('L4: MANUAL on existing emails updates fields and keeps the status (subscribed and unsubscribed)', async () => {
    const listId = await createList(api);
    await subscribe(api, listId, { subscribers: [{ email: 's@x.com', name: 's' }, { email: 'u@x.com', name: 'u' }] });
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['u@x.com']);
    const res = await subscribe(api, listId, {
      eventOccurredBy: 'MANUAL',
      subscribers: [{ email: 's@x.com', name: 's2' }, { email: 'u@x.com', name: 'u2' }],
    });
    expect(res.body.Value.update).toHaveLength(2);
    expect(res.body.Value.success).toEqual([]);
    const subs = await allSubscribers(api, listId);
    expect(subs.get('s@x.com')).toMatchObject({ status: 'subscribed', name: 's2' });
    expect(subs.get('u@x.com')).toMatchObject({ status: 'unsubscribed', name: 'u2' });
    expect(await counts(api, listId)).toMatchObject({ subscribed: 1, unsubscribed: 1 });
  });

  it('L4: SUBSCRIBER on an unsubscribed email subscribes it again and updates its fields', async () => {
    const listId = await createList(api);
    await subscribe(api, listId, { subscribers: [{ email: 'u@x.com', name: 'u' }] });
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['u@x.com']);
    const res = await subscribe(api, listId, { eventOccurredBy: 'SUBSCRIBER', subscribers: [{ email: 'u@x.com', name: 'back' }] });
    expect(echo(res.body.Value.success)).toEqual([{ email: 'u@x.com', name: 'back' }]);
    expect((await allSubscribers(api, listId)).get('u@x.com')).toMatchObject({ status: 'subscribed', name: 'back' });
    expect(await counts(api, listId)).toEqual({ subscribed: 1, unsubscribed: 0, autoDeleted: 0, total: 1 });
  });

  it('L4: $ad_agreed Y/N is stored; missing or invalid gives N to new subscribers and keeps existing ones', async () => {
    const listId = await createList(api);
    await subscribe(api, listId, {
      subscribers: [
        { email: 'y@x.com', $ad_agreed: 'Y' },
        { email: 'n@x.com', $ad_agreed: 'N' },
        { email: 'missing@x.com' },
        { email: 'bad@x.com', $ad_agreed: 'yes' },
      ],
    });
    let subs = await allSubscribers(api, listId);
    expect(subs.get('y@x.com')?.$ad_agreed).toBe('Y');
    expect(subs.get('n@x.com')?.$ad_agreed).toBe('N');
    expect(subs.get('missing@x.com')?.$ad_agreed).toBe('N');
    expect(subs.get('bad@x.com')?.$ad_agreed).toBe('N');
    await subscribe(api, listId, { subscribers: [{ email: 'y@x.com' }, { email: 'n@x.com', $ad_agreed: 'Y' }] });
    await subscribe(api, listId, { subscribers: [{ email: 'y@x.com', $ad_agreed: 'maybe' }] });
    subs = await allSubscribers(api, listId);
    expect(subs.get('y@x.com')?.$ad_agreed).toBe('Y');
    expect(subs.get('n@x.com')?.$ad_agreed).toBe('Y');
    await subscribe(api, listId, { subscribers: [{ email: 'y@x.com', $ad_agreed: 'N' }] });
    expect((await allSubscribers(api, listId)).get('y@x.com')?.$ad_agreed).toBe('N');
  });

  it('L4: emails are trimmed and lower-cased; malformed, missing and repeated ones land in their buckets', async () => {
    const listId = await createList(api);
    const res = await subscribe(api, listId, {
      subscribers: [
        { email: '  Mixed.Case@Example.COM ', name: 'm' },
        { email: 'mixed.case@example.com', name: 'again' },
        { email: 'not-an-email', name: 'w' },
        { email: 'two@@x.com' },
        { name: 'no email' },
        { email: '   ' },
      ],
    });
    expect(echo(res.body.Value.success)).toEqual([{ email: 'mixed.case@example.com', name: 'm' }]);
    expect(echo(res.body.Value.failDuplicatedEmail)).toEqual([{ email: 'mixed.case@example.com', name: 'again' }]);
    expect(res.body.Value.failWrongEmail.map((r) => r.email)).toEqual(['not-an-email', 'two@@x.com']);
    expect(echo(res.body.Value.failNoEmail)).toEqual([{ name: 'no email' }, { email: '   ' }]);
    const again = await subscribe(api, listId, { subscribers: [{ email: 'MIXED.case@example.com', name: 'updated' }] });
    expect(again.body.Value.update).toHaveLength(1);
    expect(await counts(api, listId)).toMatchObject({ total: 1 });
  });

  it('L4: phones are validated and unique in the list, in the request and against stored subscribers', async () => {
    const listId = await createList(api);
    const first = await subscribe(api, listId, {
      subscribers: [
        { email: 'a@x.com', phone: '010-1234-5678' },
        { email: 'b@x.com', phone: '01012345678' },
        { email: 'c@x.com', phone: '12ab' },
        { email: 'd@x.com', phone: '02-123-4567' },
      ],
    });
    expect(first.body.Value.success.map((r) => r.email)).toEqual(['a@x.com', 'd@x.com']);
    expect(first.body.Value.failDuplicatedPhone.map((r) => r.email)).toEqual(['b@x.com']);
    expect(first.body.Value.failWrongPhone.map((r) => r.email)).toEqual(['c@x.com']);
    const taken = await subscribe(api, listId, { subscribers: [{ email: 'e@x.com', phone: '010 1234 5678' }, { email: 'f@x.com', phone: '010-9999-0000' }] });
    expect(taken.body.Value.failExistPhone.map((r) => r.email)).toEqual(['e@x.com']);
    expect(taken.body.Value.success.map((r) => r.email)).toEqual(['f@x.com']);
    // A subscriber keeps or changes its own phone; the old number is then free.
    const own = await subscribe(api, listId, { subscribers: [{ email: 'a@x.com', phone: '01012345678', name: 'same' }] });
    expect(own.body.Value.update).toHaveLength(1);
    const moved = await subscribe(api, listId, { subscribers: [{ email: 'a@x.com', phone: '010-5555-6666' }] });
    expect(moved.body.Value.update).toHaveLength(1);
    const reuse = await subscribe(api, listId, { subscribers: [{ email: 'e@x.com', phone: '010-1234-5678' }] });
    expect(reuse.body.Value.success).toHaveLength(1);
    expect(await counts(api, listId)).toMatchObject({ subscribed: 4, total: 4 });
  });

  it('L4: groupIds of another list or unknown are refused with GROUP_NOT_FOUND and nothing is written', async () => {
    const listId = await createList(api);
    const other = await createList(api, 'other');
    const foreign = await createGroup(api, other);
    const before = await snapshot(api, listId);
    for (const groupIds of [[foreign], ['999999']]) {
      const res = await subscribe(api, listId, { groupIds, subscribers: [{ email: 'g@x.com' }] });
      // Reported in the envelope, answered as HTTP 200 like the original (issue 13).
      expect(res.status).toBe(200);
      expect(res.body.Error?.HttpStatusCode).toBe(404);
      expect(res.body.Error?.Code).toBe('GROUP_NOT_FOUND');
    }
    expect(await snapshot(api, listId)).toEqual(before);
  });

  it('L4/W1: unknown list ids and lists of another workspace answer LIST_NOT_FOUND', async () => {
    const other = await app.newWorkspace();
    const theirs = await createList(other.api);
    for (const id of [theirs, 987654]) {
      const res = await subscribe(api, id, { subscribers: [{ email: 'x@x.com' }] });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        Ok: false,
        Error: { Code: 'LIST_NOT_FOUND', HttpStatusCode: 404, Message: '주소록을 찾을 수 없습니다.' },
        Value: null,
      });
    }
    expect(await counts(other.api, theirs)).toMatchObject({ total: 0 });
  });

  it('R1: malformed JSON and wrong types are refused with clear codes and nothing is written', async () => {
    const listId = await createList(api);
    const before = await snapshot(api, listId);
    const malformed = await api.request('POST', `/v1/lists/${listId}/subscribers`, '{"subscribers": [');
    expect(malformed.status).toBe(200);
    expect(malformed.body.Error?.HttpStatusCode).toBe(400);
    expect(malformed.body.Error?.Code).toBe('INVALID_JSON');
    for (const body of [
      { subscribers: 'a@x.com' },
      { eventOccurredBy: 'X', subscribers: [{ email: 'a@x.com' }] },
      { confirmEmailYN: 'YES', subscribers: [{ email: 'a@x.com' }] },
      { groupIds: 'all', subscribers: [{ email: 'a@x.com' }] },
      { subscribers: ['a@x.com'] },
      [],
    ]) {
      const res = await subscribe(api, listId, body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.body.Ok).toBe(false);
      expect(res.body.Error?.HttpStatusCode).toBe(400);
      expect(res.body.Error?.Code).toBe('INVALID_REQUEST');
      expect(res.body.Value).toBeNull();
    }
    expect(await snapshot(api, listId)).toEqual(before);
  });
});
