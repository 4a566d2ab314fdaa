/**
 * Issue 12 point 4, the mailer adapters: failures classified (transient / permanent / unknown),
 * idempotency keys (the outbox's file names, SES's `sendId` tag), the outbox's whole-file
 * guarantee on a full disk, and the retry schedule docs/automations.md states.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { BadRequestException, MessageRejected, SESv2Client, SendEmailCommand, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { classifySmtp, createOutboxMailer } from '#shared/adapters/outbox-mailer';
import { createSesMailer, SES_ACCEPTANCE_GRACE_MS } from '#shared/adapters/ses-mailer';
import { isPermanent, isTransient, MailError, type OutgoingMail } from '#shared/ports/mailer';
import { nextAttemptAt, RETRY_DEADLINE_MS } from '#shared/automations/send-policy';

const mail = (to: string, key?: string, size = 2000): OutgoingMail => ({
  from: { address: 'news@example.com' },
  to,
  subject: 'Hello',
  html: `<p>${'x'.repeat(size)}</p>`,
  tags: { workspaceId: 'ws1' },
  ...(key ? { idempotencyKey: key } : {}),
});

const emlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.eml'));

describe('issue 12: the outbox mailer', () => {
  it('writes a key once: a second send of it answers the first message id; lookup tells sent from unsent; a killed write leaves no part file after restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'i12-outbox-'));
    const outbox = createOutboxMailer(dir);
    const first = await outbox.send(mail('a@example.com', 'abc123'));
    const again = await outbox.send(mail('a@example.com', 'abc123'));
    expect(again.messageId).toBe(first.messageId);
    expect(emlFiles(dir)).toHaveLength(1);
    expect(emlFiles(dir)[0]).toMatch(/^\d+-abc123\.eml$/);
    const now = new Date();
    expect(await outbox.lookup!('abc123', now, now)).toEqual({ state: 'sent', messageId: first.messageId });
    expect(await outbox.lookup!('other', now, now)).toEqual({ state: 'unsent' });
    // Concurrent sends of one key (a slow dispatcher and a sweeper): one file.
    await Promise.all([outbox.send(mail('b@example.com', 'k2')), outbox.send(mail('b@example.com', 'k2'))]);
    expect(emlFiles(dir)).toHaveLength(2);
    // A process killed mid-write left a part file; the next start removes it and still knows the keys.
    writeFileSync(join(dir, '123-dead.eml.abcd.part'), 'half a mess');
    const restarted = createOutboxMailer(dir);
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
    expect((await restarted.lookup!('abc123', now, now)).state).toBe('sent');
    await restarted.send(mail('a@example.com', 'abc123'));
    expect(emlFiles(dir)).toHaveLength(2);
    rmSync(dir, { recursive: true });
  });

  it('an unwritable outbox is a transient failure and leaves nothing behind', async () => {
    const root = mkdtempSync(join(tmpdir(), 'i12-outbox-'));
    const dir = join(root, 'outbox');
    writeFileSync(dir, 'a file where the directory should be');
    const outbox = createOutboxMailer(dir);
    const error = await outbox.send(mail('a@example.com', 'k1')).catch((e: unknown) => e);
    expect(isTransient(error)).toBe(true);
    rmSync(dir);
    mkdirSync(dir);
    await outbox.send(mail('a@example.com', 'k1'));
    expect(emlFiles(dir)).toHaveLength(1);
    rmSync(root, { recursive: true });
  });

  // A real full disk: a 64 KB tmpfs (needs the right to mount, as on the project's machines).
  const mountable = (() => {
    const probe = mkdtempSync(join(tmpdir(), 'i12-probe-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
      execFileSync('umount', [probe], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  })();

  it.runIf(mountable)('a full disk (ENOSPC on a 64 KB tmpfs) is a transient failure, removes its half-written part file, and the send succeeds once space is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'i12-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    try {
      const outbox = createOutboxMailer(dir);
      // Leave one page free: less than the 20 KB message needs, so its write stops halfway.
      let filler = 0;
      try {
        for (;;) writeFileSync(join(dir, `filler-${filler++}`), Buffer.alloc(4096));
      } catch {
        // full
      }
      rmSync(join(dir, `filler-0`), { force: true });
      const error = await outbox.send(mail('full@example.com', 'full1', 20_000)).catch((e: unknown) => e);
      expect(isTransient(error), String(error)).toBe(true);
      expect((error as MailError).message).toContain('ENOSPC');
      expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
      expect(emlFiles(dir)).toEqual([]);
      for (let i = 0; i < filler; i++) rmSync(join(dir, `filler-${i}`), { force: true });
      await outbox.send(mail('full@example.com', 'full1', 20_000));
      expect(emlFiles(dir)).toHaveLength(1);
      expect(readFileSync(join(dir, emlFiles(dir)[0]!), 'utf8')).toContain('To: full@example.com');
    } finally {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('issue 12: the SES mailer', () => {
  it('tags the message with its idempotency key; throttling and 5xx are transient, a rejected message permanent, a lost connection unknown', async () => {
    const ses = mockClient(SESv2Client);
    const mailer = createSesMailer(new SESv2Client({ region: 'eu-west-1' }), 'set');
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    expect(await mailer.send(mail('a@example.com', 'abcdef012345abcdef012345'))).toEqual({ messageId: 'm-1' });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.EmailTags).toEqual([
      { Name: 'workspaceId', Value: 'ws1' },
      { Name: 'sendId', Value: 'abcdef012345abcdef012345' },
    ]);

    ses.on(SendEmailCommand).rejects(new TooManyRequestsException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }));
    expect(isTransient(await mailer.send(mail('a@example.com')).catch((e: unknown) => e))).toBe(true);
    const fiveHundred = Object.assign(new Error('We encountered an internal error'), { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    ses.on(SendEmailCommand).rejects(fiveHundred);
    expect(isTransient(await mailer.send(mail('a@example.com')).catch((e: unknown) => e))).toBe(true);
    ses.on(SendEmailCommand).rejects(new MessageRejected({ message: 'Email address is not verified', $metadata: { httpStatusCode: 400 } }));
    expect(isPermanent(await mailer.send(mail('a@example.com')).catch((e: unknown) => e))).toBe(true);
    ses.on(SendEmailCommand).rejects(new BadRequestException({ message: 'bad', $metadata: { httpStatusCode: 400 } }));
    expect(isPermanent(await mailer.send(mail('a@example.com')).catch((e: unknown) => e))).toBe(true);
    // No answer at all: SES may have taken it.
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    ses.on(SendEmailCommand).rejects(reset);
    const unknown = await mailer.send(mail('a@example.com')).catch((e: unknown) => e);
    expect(unknown).not.toBeInstanceOf(MailError);
    ses.restore();
  });

  it('an interrupted SES send counts as never accepted only 15 minutes after its attempt (the Send event marks accepted ones first)', async () => {
    const mailer = createSesMailer(new SESv2Client({ region: 'eu-west-1' }));
    const at = new Date('2026-03-04T03:00:00Z');
    expect(await mailer.lookup!('k', at, new Date(at.getTime() + 60_000))).toEqual({ state: 'wait', until: new Date(at.getTime() + SES_ACCEPTANCE_GRACE_MS) });
    expect(SES_ACCEPTANCE_GRACE_MS).toBe(15 * 60_000);
    expect(await mailer.lookup!('k', at, new Date(at.getTime() + SES_ACCEPTANCE_GRACE_MS))).toEqual({ state: 'unsent' });
  });
});

describe('issue 12: SMTP failures', () => {
  it('4xx and a failed connection are transient, 5xx permanent, anything else unknown', () => {
    expect(isTransient(classifySmtp({ responseCode: 451, command: 'RCPT TO', message: 'try later' }))).toBe(true);
    expect(isTransient(classifySmtp({ code: 'ECONNECTION', command: 'CONN', message: 'refused' }))).toBe(true);
    expect(isPermanent(classifySmtp({ responseCode: 550, command: 'RCPT TO', message: 'no such user' }))).toBe(true);
    const midData = { code: 'ETIMEDOUT', command: 'DATA', message: 'timeout' };
    expect(classifySmtp(midData)).toBe(midData);
  });
});

describe('issue 12: the retry schedule', () => {
  it('1, 2, 4 … minutes apart, at most 30, until 24 hours after the first attempt', () => {
    const first = new Date('2026-03-04T03:00:00Z');
    const wait = (attempts: number, now: Date) => nextAttemptAt(first, attempts, now)!.getTime() - now.getTime();
    expect([1, 2, 3, 4, 5, 6, 7, 10].map((n) => wait(n, first) / 60_000)).toEqual([1, 2, 4, 8, 16, 30, 30, 30]);
    expect(RETRY_DEADLINE_MS).toBe(24 * 3600_000);
    const late = new Date(first.getTime() + RETRY_DEADLINE_MS - 60_000);
    expect(nextAttemptAt(first, 20, late)).toEqual(new Date(first.getTime() + RETRY_DEADLINE_MS));
    expect(nextAttemptAt(first, 20, new Date(first.getTime() + RETRY_DEADLINE_MS))).toBeUndefined();
  });
});
