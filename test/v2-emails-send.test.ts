/**
 * Issue 15: sending a regular email through the v2 API (send, reserve, cancel-reserve, logs),
 * watched where a user sees it: the outbox, GET /v2/emails/{id} and its logs. Recipients are the
 * list's subscribed members (or its groups'), never unsubscribed ones unless the list's
 * canSendToUnsubscribed says so, never unconfirmed ones; only from a verified sender; every mail
 * with the unsubscribe link and RFC 8058 headers (SPEC M1), opens and clicks tracked (A7).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { createGroup, createList } from './support/lists';
import { verifiedSender } from './support/senders';
import { add, mails, waitFor } from './support/automations';
import { createOutboxMailer } from '#shared/adapters/outbox-mailer';
import { MailError, type Mailer } from '#shared/ports/mailer';
import { expectOk, expectRefused } from './support/emails';

const outboxDir = mkdtempSync(join(tmpdir(), 'i15-outbox-'));
const outbox = createOutboxMailer(outboxDir);
// A mailer that refuses one address for good, as SES refuses a rejected recipient.
const mailer: Mailer = {
  send: (mail) => (mail.to === 'rejected@example.com' ? Promise.reject(new MailError('permanent', 'MessageRejected: address blacklisted')) : outbox.send(mail)),
  lookup: outbox.lookup!.bind(outbox),
};

let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s), { mailer, outboxDir });

type Email = { id: number; status: number; reserveTime: string | null; sendProgress?: Record<string, number> };
type Logs = { total: number; offset: number; limit: number; items: Array<{ id: number; subscriber: string; action: string; value: string; value2: string; createdTime: string }> };

const html = '<html><body><p>$%name%$님, 안녕하세요</p><a href="https://example.com/news?id=1">기사 보기</a></body></html>';

async function emailFor(listId: number, extra: Record<string, unknown> = {}, subject = `소식 ${Math.random().toString(36).slice(2, 8)}`) {
  const res = await api.post<{ id: number }>('/v2/emails', { subject: `${subject} $%name%$`, senderEmail: 'news@example.com', senderName: '뉴스레터 팀', listId, ...extra });
  expect(res.status, res.text).toBe(200);
  expectOk(await api.request('POST', `/v2/emails/${res.json.id}/content`, html, { 'Content-Type': 'text/html' }));
  return { id: res.json.id, subject };
}

const sentMails = async (subject: string) => (await mails(app)).filter((m) => String(m.subject).startsWith(subject));
const finished = (id: number) => waitFor(async () => (await api.get<Email>(`/v2/emails/${id}`)).json, (e) => e.status === 3, 60_000);

describe('send now (the yml: 일반 이메일 발송)', () => {
  it('goes to the subscribed members only, merged, with RFC 8058 headers, tracked; the figures and logs show it', async () => {
    const listId = await createList(api, 'weekly');
    await verifiedSender(api, listId);
    await add(api, listId, [
      { email: 'kim@example.com', name: '김철수' },
      { email: 'lee@example.com', name: '이영희' },
      { email: 'rejected@example.com', name: '거절' },
      { email: 'gone@example.com', name: '탈퇴' },
    ]);
    const unsub = await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['gone@example.com']);
    expect(unsub.body.Ok, unsub.text).toBe(true);
    const { id, subject } = await emailFor(listId);

    expectOk(await api.post(`/v2/emails/${id}/send`));
    const done = await finished(id);
    expect(done.status).toBe(3);
    expect(done.sendProgress).toMatchObject({ queued: 3, sending: 0, sent: 2, failed: 1 });

    const sent = await sentMails(subject);
    expect(sent.map((m) => String((m.to as { text: string }).text)).sort()).toEqual(['kim@example.com', 'lee@example.com']);
    const kim = sent.find((m) => String((m.to as { text: string }).text) === 'kim@example.com')!;
    expect(kim.subject).toBe(`${subject} 김철수`);
    expect(String((kim.from as { text: string }).text)).toContain('뉴스레터 팀');
    expect(String(kim.html)).toContain('김철수님, 안녕하세요');
    const headerLine = (key: string) => kim.headerLines.find((h) => h.key === key)?.line;
    expect(headerLine('list-unsubscribe')?.replace(/\r\n\s+/g, ' ')).toMatch(/^List-Unsubscribe: <https?:\/\/\S+>$/);
    expect(headerLine('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(String(kim.html)).toContain('수신거부');
    const click = /href="(https?:\/\/[^"]+\/v1\/t\/click\/[^"]+)"/.exec(String(kim.html))?.[1];
    const pixel = /src="(https?:\/\/[^"]+\/v1\/t\/open\/[^"]+)"/.exec(String(kim.html))?.[1];
    expect(click && pixel, 'tracked link and pixel').toBeTruthy();
    expect(String(kim.html)).not.toContain('href="https://example.com/news?id=1"');

    expect((await fetch(pixel!)).status).toBe(200);
    const redirect = await fetch(click!, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://example.com/news?id=1');

    const logs = await waitFor(async () => (await api.get<Logs>(`/v2/emails/${id}/logs?limit=100`)).json, (l) => l.items.some((i) => i.action === 'C'), 10_000);
    const byAction = (a: string) => logs.items.filter((i) => i.action === a).map((i) => i.subscriber).sort();
    expect(byAction('P')).toEqual(['kim@example.com', 'lee@example.com']);
    expect(byAction('F')).toEqual(['rejected@example.com']);
    expect(logs.items.find((i) => i.action === 'F')!.value2).toContain('MessageRejected');
    expect(byAction('O')).toEqual(['kim@example.com']);
    expect(logs.items.find((i) => i.action === 'C')).toMatchObject({ subscriber: 'kim@example.com', value: 'https://example.com/news?id=1' });
    expect(logs).toMatchObject({ total: 5, offset: 0, limit: 100 });
    expect(logs.items.map((i) => i.id)).toEqual([1, 2, 3, 4, 5]);
    expect(logs.items[0]!.createdTime).toMatch(/\+09:00$/);
    const page = (await api.get<Logs>(`/v2/emails/${id}/logs?offset=2&limit=2`)).json;
    expect(page.items.map((i) => i.id)).toEqual([3, 4]);
    expect((await api.get<Email>(`/v2/emails/${id}`)).json.sendProgress).toMatchObject({ opens: 1, uniqueOpens: 1, clicks: 1, uniqueClicks: 1 });
    expectRefused(await api.get(`/v2/emails/${id}/logs?limit=1001`), 'Data.LimitExceeded');

    // Sent once: sending again, editing or cancelling a reservation is refused; nobody gets a second copy.
    expectRefused(await api.post(`/v2/emails/${id}/send`), 'Email.WrongStatus');
    expectRefused(await api.put(`/v2/emails/${id}`, { subject: 'x' }), 'Data.InvalidRequest');
    expectRefused(await api.request('POST', `/v2/emails/${id}/content`, '<p>x</p>', { 'Content-Type': 'text/html' }), 'Email.WrongStatus');
    expectRefused(await api.post(`/v2/emails/${id}/cancel-reserve`), 'Email.WrongStatus');
    expect(await sentMails(subject)).toHaveLength(2);
  });

  it('groups: only their members; a list with canSendToUnsubscribed includes unsubscribed members', async () => {
    const listId = await createList(api, 'groups');
    await verifiedSender(api, listId);
    const vip = await createGroup(api, listId, 'VIP');
    await add(api, listId, [{ email: 'a@example.com' }, { email: 'b@example.com' }, { email: 'c@example.com' }]);
    const assigned = await api.post(`/v1/lists/${listId}/groups/${vip}/subscribers/assign`, ['a@example.com', 'c@example.com']);
    expect(assigned.body.Ok, assigned.text).toBe(true);
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['c@example.com']);
    const { id, subject } = await emailFor(listId, { groupIds: [vip] });
    expectOk(await api.post(`/v2/emails/${id}/send`));
    await finished(id);
    expect((await sentMails(subject)).map((m) => String((m.to as { text: string }).text))).toEqual(['a@example.com']);

    const open = await api.put(`/v2/lists/${listId}`, { canSendToUnsubscribed: true });
    expect(open.status, open.text).toBe(200);
    const all = await emailFor(listId);
    expectOk(await api.post(`/v2/emails/${all.id}/send`));
    expect((await finished(all.id)) as unknown).toMatchObject({ includeUnsubscribed: true });
    expect((await sentMails(all.subject)).map((m) => String((m.to as { text: string }).text)).sort()).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
  });

  it('refuses an incomplete email, an unverified sender and an empty list, and sends nothing', async () => {
    const empty = await createList(api, 'empty');
    await verifiedSender(api, empty);
    const none = await emailFor(empty);
    expectRefused(await api.post(`/v2/emails/${none.id}/send`), 'Email.EmptySubscriber');

    const listId = await createList(api, 'unverified');
    await add(api, listId, [{ email: 'x@example.com' }]);
    const added = await api.post(`/v2/lists/${listId}/senders`, { email: 'pending@company.example' });
    expect(added.status, added.text).toBe(200);
    const res = await api.post<{ id: number }>('/v2/emails', { subject: 's', senderEmail: 'pending@company.example', senderName: 'n', listId });
    expect(res.status, res.text).toBe(200);
    expectRefused(await api.post(`/v2/emails/${res.json.id}/send`), 'Email.IncompleteEmail');
    expectOk(await api.request('POST', `/v2/emails/${res.json.id}/content`, html, { 'Content-Type': 'text/html' }));
    expectRefused(await api.post(`/v2/emails/${res.json.id}/send`), 'Authorization.PermissionDenied');
    for (const e of [none.id, res.json.id]) expect((await api.get<Email>(`/v2/emails/${e}`)).json.status).toBe(0);
    expect((await mails(app)).filter((m) => String((m.to as { text: string }).text) === 'x@example.com')).toHaveLength(0);
  });
});

/** `YYYYMMDDhhmmss` in KST, `ms` from now. */
const kst = (ms: number) => new Date(Date.now() + ms + 9 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 14);

describe('reserve and cancel-reserve (the yml: 일반 이메일 발송 예약, 예약 취소)', () => {
  it('a reservation is shown, goes out at its time (KST) through the scheduler, and is cancellable before it', async () => {
    const listId = await createList(api, 'reserved');
    await verifiedSender(api, listId);
    await add(api, listId, [{ email: 'r1@example.com', name: '예약' }]);
    const later = await emailFor(listId);
    for (const bad of ['2025050114304', 'abcdefghijklmn', '20250230120000', kst(-60_000)]) {
      expectRefused(await api.post(`/v2/emails/${later.id}/reserve?reserveTime=${bad}`), 'Data.InvalidRequest');
    }
    const inAnHour = kst(3_600_000);
    expectOk(await api.post(`/v2/emails/${later.id}/reserve?reserveTime=${inAnHour}`));
    const reserved = (await api.get<Email>(`/v2/emails/${later.id}`)).json;
    expect(reserved.status).toBe(1);
    expect(reserved.reserveTime!.replace(/\D/g, '').slice(0, 14)).toBe(inAnHour);
    expect(app.runtime.scheduler.entries().some((e) => e.name === `email-${later.id}`)).toBe(true);
    expectRefused(await api.post(`/v2/emails/${later.id}/send`), 'Email.WrongStatus');
    expectRefused(await api.put(`/v2/emails/${later.id}`, { subject: 'x' }), 'Data.InvalidRequest');
    expectOk(await api.post(`/v2/emails/${later.id}/cancel-reserve`));
    expect((await api.get<Email>(`/v2/emails/${later.id}`)).json).toMatchObject({ status: 0, reserveTime: null });
    expect(app.runtime.scheduler.entries().some((e) => e.name === `email-${later.id}`)).toBe(false);
    expectRefused(await api.post(`/v2/emails/${later.id}/cancel-reserve`), 'Email.WrongStatus');

    const soon = await emailFor(listId);
    expectOk(await api.post(`/v2/emails/${soon.id}/reserve?reserveTime=${kst(2_000)}`));
    expect((await api.get<Email>(`/v2/emails/${soon.id}`)).json.status).toBe(1);
    expect((await finished(soon.id)).status).toBe(3);
    expect((await sentMails(soon.subject)).map((m) => m.subject)).toEqual([`${soon.subject} 예약`]);
    expect(await sentMails(later.subject)).toHaveLength(0);
  });
});
