/** SPEC A3, A3a, M1: every trigger kind, all/any, duplicates and quiet period, filters; the mail itself. */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simpleParser, type ParsedMail } from 'mailparser';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, createGroup, createList } from './support/lists';
import { act, add, dashboard, movableClock, settle, started, waitFor } from './support/automations';
import { createOutboxMailer } from '#shared/adapters/outbox-mailer';
import type { Mailer } from '#shared/ports/mailer';

// Mail to addresses starting with "bounce" fails in the mailer: the emailFailed trigger's source.
const outDir = mkdtempSync(join(tmpdir(), 'a3-outbox-'));
const outbox = createOutboxMailer(outDir);
const mailer: Mailer = {
  send: async (mail) => {
    if (mail.to.startsWith('bounce')) throw new Error('550 mailbox unavailable');
    return outbox.send(mail);
  },
};
// Tuesday 2026-03-03 08:58 in Seoul.
const clock = movableClock(new Date('2026-03-02T23:58:00Z'));
let app: TestApp;
let api: ApiClient;
let key: string;
useTestApp((s) => ({ app, api, key } = s), { clock, mailer, schedulerIntervalMs: 50, outboxDir: outDir });

async function all(): Promise<ParsedMail[]> {
  return Promise.all(readdirSync(outDir).filter((f) => f.endsWith('.eml')).sort().map((f) => simpleParser(readFileSync(join(outDir, f)))));
}
const to = (m: ParsedMail) => String((m.to as { text: string }).text);
async function sentTo(email: string, subject?: string) {
  return (await all()).filter((m) => to(m) === email && (!subject || String(m.subject).includes(subject)));
}
const arrived = (email: string, subject: string, n = 1) => waitFor(() => sentTo(email, subject), (m) => m.length >= n);

describe('A3 subscriber triggers', () => {
  it('A3: subscriber added fires for sign-ups; admin-added only when included; events while paused are forgotten', async () => {
    const listId = await createList(api, 'added');
    const own = await started(api, listId, { subject: 'Welcome $%name%$' });
    const admin = await started(api, listId, { subject: 'AdminToo $%name%$', triggers: [{ type: 'subscriberAdded', includeAdminAdded: true }] });
    await add(api, listId, [{ email: 'self@example.com', name: 'Self' }], 'SUBSCRIBER');
    await add(api, listId, [{ email: 'byadmin@example.com', name: 'Admin' }], 'MANUAL');
    expect(await arrived('self@example.com', 'Welcome Self')).toHaveLength(1);
    expect(await arrived('self@example.com', 'AdminToo Self')).toHaveLength(1);
    expect(await arrived('byadmin@example.com', 'AdminToo Admin')).toHaveLength(1);
    await settle();
    expect(await sentTo('byadmin@example.com', 'Welcome')).toHaveLength(0);

    await act(api, own.automationId, 'pause');
    await add(api, listId, [{ email: 'during-pause@example.com', name: 'P' }]);
    await settle();
    await act(api, own.automationId, 'resume');
    await settle();
    expect(await sentTo('during-pause@example.com', 'Welcome')).toHaveLength(0);
    expect((await dashboard(api, own.automationId)).sent).toBe(1);
    expect((await dashboard(api, admin.automationId)).sent).toBe(3);
  });

  it('M1/A1: the email merges tags, carries the unsubscribe link and RFC 8058 headers, tracks opens and rewrites links', async () => {
    const listId = await createList(api, 'mail');
    await started(api, listId, { subject: 'Hi $%name%$', preheader: 'For $%name%$', html: '<html><body><p>$%name%$ / $%email%$ / $%unknown%$</p><a href="https://example.com/p?a=1&amp;b=2">go</a></body></html>' });
    await add(api, listId, [{ email: 'reader@example.com', name: '<Kim>' }]);
    const [mail] = await arrived('reader@example.com', 'Hi');
    expect(mail!.subject).toBe('Hi <Kim>');
    expect(mail!.from?.text).toContain('news@example.com');
    const html = String(mail!.html);
    expect(html).toContain('<p>&#60;Kim&#62; / reader@example.com / </p>');
    expect(html).toContain('For &#60;Kim&#62;');
    expect(html).not.toContain('https://example.com/p?a=1');
    expect(html).toMatch(/\/v1\/t\/click\//);
    expect(html).toMatch(/\/v1\/t\/open\//);
    const unsubscribe = /href="([^"]*\/v1\/subscriptions\/unsubscribe\?token=[^"]+)"/.exec(html)?.[1];
    expect(unsubscribe).toBeTruthy();
    const headerLine = (key: string) => mail!.headerLines.find((h) => h.key === key)?.line ?? '';
    expect(headerLine('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const header = headerLine('list-unsubscribe');
    const oneClick = /<([^>]+)>/.exec(header)![1]!;
    // RFC 8058: a POST to the header's URL unsubscribes at once.
    const res = await fetch(oneClick, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect((await allSubscribers(api, listId)).get('reader@example.com')?.status).toBe('unsubscribed');
  });

  it('A3: field updated to a value fires on updates to that value only', async () => {
    const listId = await createList(api, 'field', [{ tag: 'name', label: '이름' }, { tag: 'grade', label: '등급' }]);
    await started(api, listId, { subject: 'VIP now', triggers: [{ type: 'fieldUpdated', field: 'grade', value: 'VIP' }] });
    await add(api, listId, [{ email: 'born-vip@example.com', grade: 'VIP' }, { email: 'up@example.com', grade: 'basic' }, { email: 'other@example.com', grade: 'basic' }]);
    await add(api, listId, [{ email: 'up@example.com', grade: 'VIP' }, { email: 'other@example.com', grade: 'gold' }], 'MANUAL');
    expect(await arrived('up@example.com', 'VIP now')).toHaveLength(1);
    await settle();
    expect(await sentTo('born-vip@example.com', 'VIP now')).toHaveLength(0);
    expect(await sentTo('other@example.com', 'VIP now')).toHaveLength(0);
  });

  it('A3: added to a group fires only for subscribers already in the list', async () => {
    const listId = await createList(api, 'group');
    const groupId = await createGroup(api, listId, 'remind');
    await started(api, listId, { subject: 'Reminder', triggers: [{ type: 'groupAdded', groupId }] });
    await add(api, listId, [{ email: 'member@example.com' }]);
    await add(api, listId, [{ email: 'new-in-group@example.com' }], 'SUBSCRIBER', { groupIds: [String(groupId)] });
    const assign = await api.post(`/v1/lists/${listId}/groups/${groupId}/subscribers/assign`, ['member@example.com']);
    expect(assign.body.Ok, assign.text).toBe(true);
    expect(await arrived('member@example.com', 'Reminder')).toHaveLength(1);
    await settle();
    expect(await sentTo('new-in-group@example.com', 'Reminder')).toHaveLength(0);
  });

  it('A3: "all" needs every trigger, "any" one; filters narrow who gets it', async () => {
    const listId = await createList(api, 'allany', [{ tag: 'name', label: '이름' }, { tag: 'city', label: '도시' }]);
    const g1 = await createGroup(api, listId, 'g1');
    const g2 = await createGroup(api, listId, 'g2');
    await started(api, listId, { subject: 'Both groups', triggerMatch: 'all', triggers: [{ type: 'groupAdded', groupId: g1 }, { type: 'groupAdded', groupId: g2 }] });
    await started(api, listId, {
      subject: 'Seoul only',
      triggers: [{ type: 'groupAdded', groupId: g1 }],
      filter: { match: 'all', conditions: [{ type: 'field', field: 'city', op: 'eq', value: 'Seoul' }] },
    });
    await add(api, listId, [{ email: 'both@example.com', city: 'Seoul' }, { email: 'one@example.com', city: 'Busan' }]);
    await api.post(`/v1/lists/${listId}/groups/${g1}/subscribers/assign`, ['both@example.com', 'one@example.com']);
    expect(await arrived('both@example.com', 'Seoul only')).toHaveLength(1);
    await settle();
    expect(await sentTo('both@example.com', 'Both groups')).toHaveLength(0);
    expect(await sentTo('one@example.com', 'Seoul only')).toHaveLength(0);
    await api.post(`/v1/lists/${listId}/groups/${g2}/subscribers/assign`, ['both@example.com']);
    expect(await arrived('both@example.com', 'Both groups')).toHaveLength(1);
  });
});

describe('A3 email triggers', () => {
  it('A3: sent, failed, opened and clicked (a given link) of another email trigger follow-ups', async () => {
    const listId = await createList(api, 'behaviour');
    const first = await started(api, listId, { subject: 'First', html: '<p>hi <a href="https://example.com/a">a</a> <a href="https://example.com/b">b</a></p>' });
    // Follow-ups must run before the email they watch is sent (reference page).
    const id = first.automationId;
    await started(api, listId, { subject: 'AfterSent', triggers: [{ type: 'emailSent', automationId: id }] });
    await started(api, listId, { subject: 'AfterFailed', triggers: [{ type: 'emailFailed', automationId: id }] });
    await started(api, listId, { subject: 'AfterOpen', triggers: [{ type: 'emailOpened', automationId: id }] });
    await started(api, listId, { subject: 'AfterClickB', triggers: [{ type: 'linkClicked', automationId: id, url: 'https://example.com/b' }] });
    await add(api, listId, [{ email: 'reader2@example.com' }, { email: 'bounce@example.com' }]);
    const [mail] = await arrived('reader2@example.com', 'First');
    expect(await arrived('reader2@example.com', 'AfterSent')).toHaveLength(1);
    expect((await waitFor(() => dashboard(api, id), (d) => d.failed === 1)).failed).toBe(1);
    // The failed address is not sent the follow-up of a failure (it fails again), but it was tried.
    const failures = (await dashboard(api, id)).recentFailures as Array<{ email: string; reason: string }>;
    expect(failures).toEqual([expect.objectContaining({ email: 'bounce@example.com', reason: '550 mailbox unavailable' })]);
    await settle();
    expect(await sentTo('reader2@example.com', 'AfterOpen')).toHaveLength(0);

    const html = String(mail!.html);
    const pixel = /src="([^"]*\/v1\/t\/open\/[^"]+)"/.exec(html)![1]!;
    const links = [...html.matchAll(/href="([^"]*\/v1\/t\/click\/[^"]+)"/g)].map((m) => m[1]!);
    const img = await fetch(pixel);
    expect(img.headers.get('content-type')).toBe('image/gif');
    expect(await arrived('reader2@example.com', 'AfterOpen')).toHaveLength(1);
    const clickA = await fetch(links[0]!, { redirect: 'manual' });
    expect(clickA.status).toBe(302);
    expect(clickA.headers.get('location')).toBe('https://example.com/a');
    await settle();
    expect(await sentTo('reader2@example.com', 'AfterClickB')).toHaveLength(0);
    await fetch(links[1]!, { redirect: 'manual' });
    expect(await arrived('reader2@example.com', 'AfterClickB')).toHaveLength(1);
    const figures = await dashboard(api, id);
    expect(figures).toMatchObject({ sent: 1, failed: 1, opens: 1, uniqueOpens: 1, clicks: 2, uniqueClicks: 1, openRate: 100, clickRate: 100 });
    // A forged or altered token counts nothing and redirects nowhere.
    expect((await fetch(links[1]!.replace(/.$/, 'x'), { redirect: 'manual' })).status).toBe(400);
    expect((await dashboard(api, id)).clicks).toBe(2);
  });

  it('A3: not opened / not clicked within T fire once, only for those who did not', async () => {
    const listId = await createList(api, 'notopened');
    const first = await started(api, listId, { subject: 'Campaign', html: '<p><a href="https://example.com/c">c</a></p>' });
    await started(api, listId, { subject: 'NotOpened', allowDuplicates: true, triggers: [{ type: 'emailNotOpened', automationId: first.automationId, withinMinutes: 60 }] });
    await started(api, listId, { subject: 'NotClicked', triggers: [{ type: 'linkNotClicked', automationId: first.automationId, withinMinutes: 120 }] });
    await add(api, listId, [{ email: 'opener@example.com' }, { email: 'ignorer@example.com' }]);
    const [mail] = await arrived('opener@example.com', 'Campaign');
    await arrived('ignorer@example.com', 'Campaign');
    await fetch(/src="([^"]*\/v1\/t\/open\/[^"]+)"/.exec(String(mail!.html))![1]!);
    await settle();
    clock.advance(61 * 60_000);
    expect(await arrived('ignorer@example.com', 'NotOpened')).toHaveLength(1);
    clock.advance(60 * 60_000);
    expect(await arrived('opener@example.com', 'NotClicked')).toHaveLength(1);
    expect(await arrived('ignorer@example.com', 'NotClicked')).toHaveLength(1);
    await settle();
    expect(await sentTo('opener@example.com', 'NotOpened')).toHaveLength(0);
  });
});

describe('A3a API trigger', () => {
  it('A3a: extra fields fill merge tags for that send only; `ok` as text; non-members get 400 and nothing', async () => {
    const listId = await createList(api, 'api');
    const a = await started(api, listId, { subject: 'Code for $%name%$', html: '<p>$%code%$ $%name%$</p>', triggers: [{ type: 'api' }], allowDuplicates: true });
    expect(a.apiEndpoint).toMatch(/^\/api\/v1\.0\/auto\/[\w-]+$/);
    await add(api, listId, [{ email: 'gildong@example.com', name: '길동' }, { email: 'gone@example.com', name: 'Gone' }]);
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['gone@example.com']);
    const ok = await api.post(a.apiEndpoint!, { subscriber: 'GilDong@example.com', name: '둘리', code: '안녕하세요!<br>스티비 팀입니다.' });
    // Callers compare the answer byte for byte (issue 13, reference/email_automation_api.md: 200 OK).
    expect(ok.status, ok.text).toBe(200);
    expect(ok.text).toBe('ok');
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    // Not a subscribed member of the list: the original's 400 and its text.
    for (const subscriber of ['stranger@example.com', 'gone@example.com']) {
      await new Promise((r) => setTimeout(r, 350));
      const refused = await api.post(a.apiEndpoint!, { subscriber });
      expect(refused.status, subscriber).toBe(400);
      expect(refused.text).toBe('구독자 상태를 파악할 수 없습니다.');
      expect(refused.headers.get('content-type')).toMatch(/^text\/plain/);
    }
    const [mail] = await arrived('gildong@example.com', 'Code for');
    expect(mail!.subject).toBe('Code for 둘리');
    expect(String(mail!.html)).toContain('<p>안녕하세요!<br>스티비 팀입니다. 둘리</p>');
    // Never stored on the subscriber.
    expect((await allSubscribers(api, listId)).get('gildong@example.com')?.name).toBe('길동');
    await settle();
    expect(await sentTo('stranger@example.com')).toHaveLength(0);
    expect(await sentTo('gone@example.com', 'Code for')).toHaveLength(0);
    // The next request uses the list's value again.
    await api.post(a.apiEndpoint!, { subscriber: 'gildong@example.com' });
    expect((await arrived('gildong@example.com', 'Code for', 2)).map((m) => m.subject)).toEqual(['Code for 둘리', 'Code for 길동']);

    await new Promise((r) => setTimeout(r, 1100));
    expect((await api.post(a.apiEndpoint!, { name: 'no subscriber' })).body.Error?.Code).toBe('INVALID_REQUEST');
    expect((await api.post(a.apiEndpoint!, { subscriber: 'not-an-email' })).body.Error?.Code).toBe('INVALID_REQUEST');
    expect((await api.post('/api/v1.0/auto/unknown-key-123', { subscriber: 'gildong@example.com' })).body.Error?.Code).toBe('AUTOMATION_NOT_FOUND');
    await new Promise((r) => setTimeout(r, 1100));
    const other = await app.newWorkspace();
    expect((await other.api.post(a.apiEndpoint!, { subscriber: 'gildong@example.com' })).body.Error?.Code).toBe('AUTOMATION_NOT_FOUND');
    expect((await fetch(`${app.url}${a.apiEndpoint}`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect(key).toBeTruthy();
  });

  it('A3a: limited to 3 requests a second', async () => {
    const listId = await createList(api, 'rate');
    const a = await started(api, listId, { triggers: [{ type: 'api' }] });
    await add(api, listId, [{ email: 'x@example.com' }]);
    await new Promise((r) => setTimeout(r, 1100));
    const statuses = await Promise.all(Array.from({ length: 5 }, () => api.post(a.apiEndpoint!, { subscriber: 'x@example.com' }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
  });

  it('A3a: a subscriber added by a request that has already been answered is found at once', async () => {
    const listId = await createList(api, 'fresh');
    const a = await started(api, listId, { subject: 'Fresh', triggers: [{ type: 'api' }] });
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 350));
      const email = `fresh${i}@example.com`;
      const added = await api.post(`/v1/lists/${listId}/subscribers`, { subscribers: [{ email }] });
      expect(added.body.Ok, added.text).toBe(true);
      const res = await api.post(a.apiEndpoint!, { subscriber: email });
      expect(res.status, res.text).toBe(200);
      expect(res.text).toBe('ok');
      expect(await arrived(email, 'Fresh')).toHaveLength(1);
    }
  });

  it('A3: duplicates are ignored by default; allowed ones respect the quiet period', async () => {
    const listId = await createList(api, 'dups');
    const strict = await started(api, listId, { subject: 'Strict', triggers: [{ type: 'api' }] });
    const quiet = await started(api, listId, { subject: 'Quiet', triggers: [{ type: 'api' }], allowDuplicates: true, quietPeriodMinutes: 60 });
    await add(api, listId, [{ email: 'dup@example.com' }]);
    const call = async (endpoint: string) => {
      await new Promise((r) => setTimeout(r, 350));
      expect((await api.post(endpoint, { subscriber: 'dup@example.com' })).status).toBe(200);
    };
    await call(strict.apiEndpoint!);
    await call(quiet.apiEndpoint!);
    await arrived('dup@example.com', 'Strict');
    await arrived('dup@example.com', 'Quiet');
    clock.advance(30 * 60_000);
    await call(strict.apiEndpoint!);
    await call(quiet.apiEndpoint!);
    await settle();
    expect(await sentTo('dup@example.com', 'Strict')).toHaveLength(1);
    expect(await sentTo('dup@example.com', 'Quiet')).toHaveLength(1);
    clock.advance(31 * 60_000);
    await call(strict.apiEndpoint!);
    await call(quiet.apiEndpoint!);
    expect(await arrived('dup@example.com', 'Quiet', 2)).toHaveLength(2);
    expect(await sentTo('dup@example.com', 'Strict')).toHaveLength(1);
  });
});

describe('A3 anniversary', () => {
  it('A3: the daily scan sends N days before the date, at the set local time, once a year', async () => {
    const listId = await createList(api, 'anniv', [{ tag: 'name', label: '이름' }, { tag: 'birthday', label: '생일', type: 'date' }]);
    const a = await started(api, listId, { subject: 'Birthday soon', triggers: [{ type: 'anniversary', field: 'birthday', daysBefore: 3, at: '09:00' }] });
    const entry = app.runtime.scheduler.entries().find((e) => e.name === `auto-${a.automationId}-anniversary`);
    expect(entry).toBeTruthy();
    const nine = entry!.dueAt;
    expect(new Date(nine).toISOString().slice(11, 16)).toBe('00:00'); // 09:00 in Seoul
    // The scan's day in Seoul, and three days after it.
    const scanDay = new Date(nine + 9 * 3_600_000);
    const inThree = new Date(scanDay.getTime() + 3 * 86_400_000);
    const md = (d: Date) => `${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
    await add(api, listId, [
      { email: 'soon@example.com', birthday: `1990-${md(inThree)}` },
      { email: 'today@example.com', birthday: `1991-${md(scanDay)}` },
    ]);
    await settle(200);
    expect(await sentTo('soon@example.com', 'Birthday soon')).toHaveLength(0);
    clock.set(new Date(nine + 5_000));
    expect(await arrived('soon@example.com', 'Birthday soon')).toHaveLength(1);
    expect(await sentTo('today@example.com', 'Birthday soon')).toHaveLength(0);
    // The entry recurs daily; a second scan the same day sends nothing twice.
    const nextRun = () => app.runtime.scheduler.entries().find((e) => e.name === `auto-${a.automationId}-anniversary`)!.dueAt;
    expect(await waitFor(nextRun, (t) => t !== nine)).toBe(nine + 86_400_000);
    await app.runtime.scheduler.at('again', clock.now(), { kind: 'anniversary', automationId: a.automationId });
    await settle();
    expect(await sentTo('soon@example.com', 'Birthday soon')).toHaveLength(1);
  });
});
