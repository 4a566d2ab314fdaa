/**
 * Issue 13, "v1, as real callers use it": what public client code of the original's callers
 * sends and decodes, through HTTP. Reference: reference/api-webhook_list-api_2024-04-18.md (and
 * seed 002); SPEC L2, L4, L5, L9.
 */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createGroup, createList, snapshot, subscribe } from './support/lists';

let app: TestApp;
let api: ApiClient;
useTestApp((started) => ({ app, api } = started));

type Row = Record<string, unknown>;
const SERVICE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0900 KST$/;

describe('L4 request bodies as callers send them', () => {
  it('L4: eventOccuredBy (the old spelling) is eventOccurredBy; when both are sent the correct spelling wins', async () => {
    const listId = await createList(api);
    await subscribe(api, listId, { subscribers: [{ email: 'a@x.com', name: 'old' }, { email: 'b@x.com', name: 'old' }] });
    // SUBSCRIBER on a subscribed email is refused for that row; MANUAL would update it.
    const old = await subscribe(api, listId, { eventOccuredBy: 'SUBSCRIBER', subscribers: [{ email: 'a@x.com', name: 'new' }, { email: 'c@x.com' }] });
    expect(old.body.Value.failExistEmail.map((r) => r.email)).toEqual(['a@x.com']);
    expect(old.body.Value.success.map((r) => [r.email, r.$type])).toEqual([['c@x.com', 'SUBSCRIBER']]);
    expect((await allSubscribers(api, listId)).get('a@x.com')?.name).toBe('old');
    const both = await subscribe(api, listId, { eventOccurredBy: 'MANUAL', eventOccuredBy: 'SUBSCRIBER', subscribers: [{ email: 'b@x.com', name: 'new' }] });
    expect(both.body.Value.update.map((r) => r.email)).toEqual(['b@x.com']);
    expect((await allSubscribers(api, listId)).get('b@x.com')?.name).toBe('new');
    const lone = await subscribe(api, listId, { eventOccuredBy: 'SUBSCRIBER', subscribers: [{ email: 'b@x.com' }] });
    expect(lone.body.Error?.Code).toBe('LIST_ALREADY_SUBSCRIBED');
    const bad = await subscribe(api, listId, { eventOccuredBy: 'ADMIN', subscribers: [{ email: 'z@x.com' }] });
    expect(bad.body.Error?.Code).toBe('INVALID_REQUEST');
  });

  it('L4: groupIds null means none; group ids as strings or numbers name the same groups', async () => {
    const listId = await createList(api);
    const g1 = await createGroup(api, listId, 'one');
    const g2 = await createGroup(api, listId, 'two');
    const none = await subscribe(api, listId, { groupIds: null, subscribers: [{ email: 'n@x.com' }] });
    expect(none.status, none.text).toBe(200);
    expect(none.body.Value.success.map((r) => r.email)).toEqual(['n@x.com']);
    await subscribe(api, listId, [{ groupIds: [g1, String(g2)], subscribers: [{ email: 'm@x.com' }] }]);
    const subs = await allSubscribers(api, listId);
    expect(subs.get('n@x.com')?.groupIds).toEqual([]);
    expect(subs.get('m@x.com')?.groupIds).toEqual([g1, g2]);
  });

  it('L4: $ad_agreed as a JSON boolean means Y (true) or N (false)', async () => {
    const listId = await createList(api);
    const res = await subscribe(api, listId, { subscribers: [{ email: 't@x.com', $ad_agreed: true }, { email: 'f@x.com', $ad_agreed: false }] });
    expect(res.body.Value.success.map((r) => [r.email, r.stb_ad_agreement])).toEqual([
      ['t@x.com', true],
      ['f@x.com', false],
    ]);
    await subscribe(api, listId, { subscribers: [{ email: 'f@x.com', $ad_agreed: true }, { email: 't@x.com', $ad_agreed: false }] });
    const subs = await allSubscribers(api, listId);
    expect(subs.get('f@x.com')?.$ad_agreed).toBe('Y');
    expect(subs.get('t@x.com')?.$ad_agreed).toBe('N');
  });

  it('L4: every row of every bucket carries $type, $status, $createdTime, $modifiedTime and stb_ad_agreement', async () => {
    const listId = await createList(api, 'rows', [
      { tag: 'name', label: '이름' },
      { tag: 'phone', label: '전화번호', type: 'phone' },
      { tag: 'points', label: '적립금', type: 'number' },
    ]);
    await subscribe(api, listId, { subscribers: [{ email: 'old@x.com', $ad_agreed: 'Y' }, { email: 'gone@x.com' }, { email: 'held@x.com', phone: '010-1000-2000' }] });
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['gone@x.com']);
    const res = await subscribe(api, listId, {
      subscribers: [
        { email: 'new@x.com', name: '새', $ad_agreed: 'Y' },
        { email: 'old@x.com', name: '갱신' },
        { email: 'gone@x.com', name: '수신거부' },
        { email: 'new@x.com' },
        { email: 'bad' },
        { name: 'no email' },
        { email: 'p@x.com', phone: '12' },
        { email: 'q@x.com', phone: '010-1000-2000' },
        { email: 'v@x.com', points: 'many' },
      ],
    });
    expect(res.status).toBe(200);
    const rows: Row[] = Object.entries(res.body.Value as Record<string, Row[]>).flatMap(([bucket, list]) => list.map((r) => ({ bucket, ...r })));
    expect(rows).toHaveLength(9);
    for (const row of rows) {
      expect(row, JSON.stringify(row)).toMatchObject({
        $type: expect.stringMatching(/^(MANUAL|SUBSCRIBER)$/),
        $status: expect.stringMatching(/^[SDA]?$/),
        $createdTime: expect.stringMatching(SERVICE_TIME),
        $modifiedTime: expect.stringMatching(SERVICE_TIME),
        stb_ad_agreement: expect.any(Boolean),
      });
    }
    const by = (email: unknown, bucket: string) => rows.find((r) => r.email === email && r.bucket === bucket)!;
    expect(by('new@x.com', 'success')).toMatchObject({ name: '새', $type: 'MANUAL', $status: 'S', stb_ad_agreement: true });
    expect(by('old@x.com', 'update')).toMatchObject({ $status: 'S', stb_ad_agreement: true });
    // An update keeps the status: the unsubscribed subscriber is reported as D.
    expect(by('gone@x.com', 'update')).toMatchObject({ $status: 'D', stb_ad_agreement: false });
    expect(by('new@x.com', 'failDuplicatedEmail')).toMatchObject({ $status: 'S' });
    // Rows with no stored subscriber: no status.
    expect(by('bad', 'failWrongEmail')).toMatchObject({ $status: '', $type: 'MANUAL', stb_ad_agreement: false });
    expect(by(undefined, 'failNoEmail')).toMatchObject({ name: 'no email', $status: '' });
    expect(by('p@x.com', 'failWrongPhone')).toMatchObject({ $status: '' });
    expect(by('q@x.com', 'failExistPhone')).toMatchObject({ $status: '' });
    expect(by('v@x.com', 'failValidation')).toMatchObject({ $status: '' });
    // The stored times, in the service's format (KST).
    const stored = (await api.get<Row[]>(`/v1/lists/${listId}/subscribers?limit=1000`)).body.Value.find((r) => r.email === 'old@x.com')!;
    expect(by('old@x.com', 'update').$createdTime).toBe(stored.createdTime);
    expect(by('old@x.com', 'update').$modifiedTime).toBe(stored.modifiedTime);
  });

  it('L2/L4: field types decide failValidation and failValidationDateTime; yyyy-MM-dd HH:mm:ss is Korean time', async () => {
    const listId = await createList(api, 'types', [
      { tag: 'points', label: '적립금', type: 'number' },
      { tag: 'agree', label: '동의', type: 'yesno' },
      { tag: 'birthday', label: '생일', type: 'date' },
      { tag: 'visit', label: '방문', type: 'datetime' },
    ]);
    const res = await subscribe(api, listId, {
      subscribers: [
        { email: 'ok@x.com', points: '1,200', agree: 'Y', birthday: '1990-05-27', visit: '2024-03-01 16:58:52' },
        { email: 'num@x.com', points: 'many' },
        { email: 'yes@x.com', agree: 'perhaps' },
        { email: 'obj@x.com', points: { n: 1 } },
        { email: 'day@x.com', birthday: '1990-02-30' },
        { email: 'when@x.com', visit: '2024-03-01 25:00:00' },
        { email: 'text@x.com', visit: 'tomorrow' },
      ],
    });
    const emails = (bucket: string) => (res.body.Value as Record<string, Row[]>)[bucket]!.map((r) => r.email);
    expect(emails('success')).toEqual(['ok@x.com']);
    expect(emails('failValidation')).toEqual(['num@x.com', 'yes@x.com', 'obj@x.com']);
    expect(emails('failValidationDateTime')).toEqual(['day@x.com', 'when@x.com', 'text@x.com']);
    expect(emails('failUnknown')).toEqual([]);
    const ok = (await allSubscribers(api, listId)).get('ok@x.com')!;
    expect(ok).toMatchObject({ points: 1200, agree: 'Y', birthday: '1990-05-27', visit: '2024-03-01T07:58:52.000Z' });
    expect(await counts(api, listId)).toMatchObject({ total: 1 });
  });
});

describe('L5 delete body as callers send it', () => {
  it('L5: DELETE /v1/lists/{id}/subscribers takes {"subscribers": [...]} as well as the bare array', async () => {
    const listId = await createList(api);
    await subscribe(api, listId, { subscribers: ['a@x.com', 'b@x.com', 'c@x.com'].map((email) => ({ email })) });
    const wrapped = await api.del<{ success: string[]; fail: string[] }>(`/v1/lists/${listId}/subscribers`, { subscribers: ['a@x.com', 'nobody@x.com'] });
    expect(wrapped.body).toEqual({ Ok: true, Error: null, Value: { success: ['a@x.com'], fail: ['nobody@x.com'] } });
    const bare = await api.del<{ success: string[]; fail: string[] }>(`/v1/lists/${listId}/subscribers`, ['b@x.com']);
    expect(bare.body.Value.success).toEqual(['b@x.com']);
    const before = await snapshot(api, listId);
    for (const body of [{ subscribers: 'c@x.com' }, { emails: ['c@x.com'] }, '"c@x.com"', { subscribers: null }]) {
      const res = await api.del(`/v1/lists/${listId}/subscribers`, body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.body).toMatchObject({ Ok: false, Error: { Code: 'INVALID_REQUEST', HttpStatusCode: 400 }, Value: null });
    }
    expect(await snapshot(api, listId)).toEqual(before);
  });
});

describe('L9 how a refused v1 request is answered', () => {
  it('L9: a refusal reported by the envelope answers HTTP 200; a missing or bad key 401, the body cap 413', async () => {
    const listId = await createList(api);
    const other = await app.newWorkspace();
    const foreign = await createList(other.api);
    const refusals: [string, string, unknown, string, number][] = [
      ['POST', `/v1/lists/${foreign}/subscribers`, { subscribers: [{ email: 'a@x.com' }] }, 'LIST_NOT_FOUND', 404],
      ['POST', `/v1/lists/${listId}/subscribers`, { groupIds: [999999], subscribers: [{ email: 'a@x.com' }] }, 'GROUP_NOT_FOUND', 404],
      ['POST', `/v1/lists/${listId}/subscribers`, '{"subscribers": [', 'INVALID_JSON', 400],
      ['PUT', `/v1/lists/${listId}/subscribers/unsubscribe`, { nope: 1 }, 'INVALID_REQUEST', 400],
      ['DELETE', `/v1/lists/${foreign}/subscribers`, ['a@x.com'], 'LIST_NOT_FOUND', 404],
      ['POST', `/v1/lists/${listId}/groups/999999/subscribers/assign`, ['a@x.com'], 'GROUP_NOT_FOUND', 404],
    ];
    for (const [method, path, body, code, httpStatusCode] of refusals) {
      const res = await api.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(200);
      expect(res.body).toEqual({ Ok: false, Error: { Code: code, HttpStatusCode: httpStatusCode, Message: expect.any(String) }, Value: null });
    }
    // The look-ups document their refusals as 400 Bad Request (reference page): their GETs keep the status.
    const badQuery = await api.get(`/v1/lists/${listId}/subscribers/count?status=X`);
    expect(badQuery.status).toBe(400);
    expect(badQuery.body).toMatchObject({ Ok: false, Error: { Code: 'INVALID_REQUEST', HttpStatusCode: 400 } });
    const anonymous = await fetch(`${app.url}/v1/lists/${listId}/subscribers`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    const wrongKey = await fetch(`${app.url}/v1/lists/${listId}/subscribers`, { method: 'POST', headers: { AccessToken: 'nope', 'Content-Type': 'application/json' }, body: '{}' });
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toMatchObject({ Ok: false, Error: { Code: 'UNAUTHORIZED', HttpStatusCode: 401 } });
    const huge = await api.post(`/v1/lists/${listId}/subscribers`, { subscribers: [{ email: 'a@x.com', name: 'x'.repeat(300_000) }] });
    expect(huge.status).toBe(413);
    expect(huge.body.Error?.Code).toBe('PAYLOAD_TOO_LARGE');
    expect(await counts(api, listId)).toMatchObject({ total: 0 });
  });
});
