/**
 * Issue 15, SPEC A3: automated-email triggers on a given email sent / failed / opened / not opened
 * within T / clicked / not clicked within T accept a regular email (v2 /emails) as well, named
 * by `emailId` where an automated one is named by `automationId` (docs/automations.md, "Triggers
 * (A3)"). Watched where a user sees it: the outbox. T passes on the project's clock port, not in real time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { createList } from './support/lists';
import { verifiedSender } from './support/senders';
import { add, baseAutomation, mails, movableClock, settle, started, waitFor } from './support/automations';
import { createOutboxMailer } from '#shared/adapters/outbox-mailer';
import { MailError, type Mailer } from '#shared/ports/mailer';
import { expectOk } from './support/emails';

const outboxDir = mkdtempSync(join(tmpdir(), 'i15-triggers-'));
const outbox = createOutboxMailer(outboxDir);
// The regular email to addresses starting with "bounce" is refused for good: the emailFailed trigger's source.
const mailer: Mailer = {
  send: (mail) => (mail.to.startsWith('bounce') && mail.subject.startsWith('Weekly news') ? Promise.reject(new MailError('permanent', 'MessageRejected: mailbox unavailable')) : outbox.send(mail)),
  lookup: outbox.lookup!.bind(outbox),
};
const clock = movableClock(new Date('2026-03-03T01:00:00Z'));
let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s), { clock, mailer, schedulerIntervalMs: 50, outboxDir });

const to = (m: ParsedMail) => String((m.to as { text: string }).text);
const sentTo = async (email: string, subject: string) => (await mails(app)).filter((m) => to(m) === email && String(m.subject).startsWith(subject));
const arrived = (email: string, subject: string) => waitFor(() => sentTo(email, subject), (m) => m.length >= 1, 30_000);

const html = '<html><body><p>$%name%$님, 안녕하세요</p><a href="https://example.com/news">기사</a></body></html>';

async function regularEmail(client: ApiClient, listId: number, subject: string): Promise<number> {
  const res = await client.post<{ id: number }>('/v2/emails', { subject, senderEmail: 'news@example.com', senderName: '뉴스레터', listId });
  expect(res.status, res.text).toBe(200);
  expectOk(await client.request('POST', `/v2/emails/${res.json.id}/content`, html, { 'Content-Type': 'text/html' }));
  return res.json.id;
}

describe('issue 15: automated emails triggered by a regular email', () => {
  it('A3: sent, failed, opened, clicked, not opened and not clicked within T of a regular email each fire their automated email for the right recipients', async () => {
    const listId = await createList(api, 'regular-triggers');
    await verifiedSender(api, listId);
    const emailId = await regularEmail(api, listId, 'Weekly news');
    const on = (type: string, subject: string, extra: Record<string, unknown> = {}) => started(api, listId, { subject, triggers: [{ type, emailId, ...extra }] });
    await on('emailSent', 'AfterSent');
    await on('emailFailed', 'AfterFailed');
    await on('emailOpened', 'AfterOpened');
    await on('linkClicked', 'AfterClicked', { url: 'https://example.com/news' });
    await on('emailNotOpened', 'AfterNotOpened', { withinMinutes: 60 });
    await on('linkNotClicked', 'AfterNotClicked', { withinMinutes: 60 });
    await add(api, listId, [{ email: 'opener@example.com' }, { email: 'clicker@example.com' }, { email: 'ignorer@example.com' }, { email: 'bounce@example.com' }], 'MANUAL');

    expectOk(await api.post(`/v2/emails/${emailId}/send`));
    const [openerMail] = await arrived('opener@example.com', 'Weekly news');
    const [clickerMail] = await arrived('clicker@example.com', 'Weekly news');
    await arrived('ignorer@example.com', 'Weekly news');
    for (const email of ['opener@example.com', 'clicker@example.com', 'ignorer@example.com']) expect(await arrived(email, 'AfterSent'), email).toHaveLength(1);
    expect(await arrived('bounce@example.com', 'AfterFailed')).toHaveLength(1);

    await fetch(/src="([^"]*\/v1\/t\/open\/[^"]+)"/.exec(String(openerMail!.html))![1]!);
    expect(await arrived('opener@example.com', 'AfterOpened')).toHaveLength(1);
    const click = await fetch(/href="([^"]*\/v1\/t\/click\/[^"]+)"/.exec(String(clickerMail!.html))![1]!, { redirect: 'manual' });
    expect(click.status).toBe(302);
    expect(await arrived('clicker@example.com', 'AfterClicked')).toHaveLength(1);

    // T passes on the clock: only the recipient who neither opened nor clicked gets the not-opened
    // email; the two who did not click get the not-clicked one.
    await settle();
    clock.advance(61 * 60_000);
    expect(await arrived('ignorer@example.com', 'AfterNotOpened')).toHaveLength(1);
    expect(await arrived('opener@example.com', 'AfterNotClicked')).toHaveLength(1);
    await settle(1500);
    const all = await mails(app);
    const subjects = (email: string) => all.filter((m) => to(m) === email).map((m) => String(m.subject)).sort();
    expect(subjects('opener@example.com')).toEqual(['AfterNotClicked', 'AfterOpened', 'AfterSent', 'Weekly news']);
    expect(subjects('clicker@example.com')).toEqual(['AfterClicked', 'AfterSent', 'Weekly news']);
    expect(subjects('ignorer@example.com')).toEqual(['AfterNotClicked', 'AfterNotOpened', 'AfterSent', 'Weekly news']);
    expect(subjects('bounce@example.com')).toEqual(['AfterFailed']);
  }, 240_000);

  it('A3: the watched email is named by exactly one of automationId and emailId; a regular email of another workspace is no such email', async () => {
    const listId = await createList(api, 'regular-refs');
    await verifiedSender(api, listId);
    const emailId = await regularEmail(api, listId, 'Mine');
    const other = await app.newWorkspace();
    const otherList = await createList(other.api, 'theirs');
    await verifiedSender(other.api, otherList);
    const theirs = await regularEmail(other.api, otherList, 'Theirs');

    const create = (trigger: Record<string, unknown>) => api.post('/v2/automations', baseAutomation(listId, { triggers: [trigger] }));
    const refused = async (trigger: Record<string, unknown>, message: RegExp) => {
      const res = await create(trigger);
      expect(res.status, res.text).toBe(400);
      expect(res.text).toMatch(message);
    };
    await refused({ type: 'emailOpened', emailId: theirs }, /emailId: no such regular email/);
    await refused({ type: 'emailSent', emailId: 999_999 }, /emailId: no such regular email/);
    await refused({ type: 'emailSent' }, /automationId \(an automated email\) or emailId \(a regular email\)/);
    await refused({ type: 'linkClicked', emailId, automationId: 1 }, /one of the two/);
    // The other workspace can watch its own email; this one can watch its own.
    expect((await other.api.post('/v2/automations', baseAutomation(otherList, { triggers: [{ type: 'emailOpened', emailId: theirs }] }))).status).toBeLessThan(300);
    const mine = await create({ type: 'emailNotOpened', emailId, withinMinutes: 30 });
    expect(mine.status, mine.text).toBeLessThan(300);
    expect((mine.json as { triggers: unknown[] }).triggers).toEqual([{ type: 'emailNotOpened', emailId, withinMinutes: 30 }]);
  }, 120_000);
});
