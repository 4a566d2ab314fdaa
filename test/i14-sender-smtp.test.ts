/**
 * Issue 14, sender spoofing, as a real SMTP server (smtp-server) receives the mails: a list's or
 * an automated email's senderName of `Evil" <ceo@bank.example>, "x` stays a display name, the
 * From holds exactly one address (ours, or the list's verified sender), the envelope sender is
 * the same and the Message-ID names our domain. (Its own file: one test app per file.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutboxMailer, createSmtpMailer } from '#shared/adapters/outbox-mailer';
import type { Mailer } from '#shared/ports/mailer';
import { startTestApp, type ApiClient, type TestApp } from './support/app';
import { add, started, waitFor } from './support/automations';
import { confirmRequest, expectSender, mailboxes, SPOOF_NAME, spoofingList } from './support/sender-spoofing';

describe('a tenant sending as someone else, through a real SMTP server', () => {
  interface Received {
    envelopeFrom: string;
    mail: ParsedMail;
  }
  const received: Received[] = [];
  let smtp: SMTPServer;
  let smtpApp: TestApp;
  let smtpApi: ApiClient;
  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, done) {
        void simpleParser(stream).then(
          (mail) => (received.push({ envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', mail }), done()),
          done,
        );
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as { port: number }).port;
    // SMTP for the mail under test; the outbox too, for the sender-verification link a user would follow.
    const outboxDir = mkdtempSync(join(tmpdir(), 'playbook-smtp-'));
    const viaSmtp = createSmtpMailer(`smtp://127.0.0.1:${port}`);
    const outbox = createOutboxMailer(outboxDir);
    const both: Mailer = { send: async (m) => (await outbox.send(m), viaSmtp.send(m)) };
    smtpApp = await startTestApp({ mailer: both, outboxDir });
    smtpApi = (await smtpApp.newWorkspace()).api;
  });
  afterAll(async () => {
    await smtpApp?.close();
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  it('the confirmation mail and an automated email, as the SMTP server received them: one From address, ours, and the envelope sender the same', async () => {
    const listId = await spoofingList(smtpApi, 'smtp-spoof');
    expect((await smtpApi.post(`/v1/lists/${listId}/subscribers`, confirmRequest('smtp-stranger@example.com'))).body.Ok).toBe(true);
    await started(smtpApi, listId, { subject: 'Via SMTP', senderName: SPOOF_NAME, senderEmail: 'news@example.com' });
    await add(smtpApi, listId, [{ email: 'smtp-reader@example.com' }]);
    const to = (who: string) => received.filter((r) => mailboxes(r.mail.to).some((m) => m.address === who));
    await waitFor(() => [...to('smtp-stranger@example.com'), ...to('smtp-reader@example.com')], (found) => found.length >= 2, 20_000);
    const [confirmation] = to('smtp-stranger@example.com');
    expectSender(confirmation!.mail, smtpApp.runtime.deps.systemSender, SPOOF_NAME);
    expect(confirmation!.envelopeFrom).toBe(smtpApp.runtime.deps.systemSender);
    const [automated] = to('smtp-reader@example.com');
    expectSender(automated!.mail, 'news@example.com', SPOOF_NAME);
    expect(automated!.envelopeFrom).toBe('news@example.com');
  });
});

