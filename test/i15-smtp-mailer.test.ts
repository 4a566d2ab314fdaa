/**
 * Issue 15: the SMTP mailer (shared/adapters/outbox-mailer.ts createSmtpMailer, what `npm start`
 * uses with SMTP_URL) against a real SMTP server started here (the `smtp-server` package): the
 * envelope and authentication, the headers as delivered, RFC 8058's List-Unsubscribe and
 * List-Unsubscribe-Post (SPEC M1), Korean subjects and display names encoded (RFC 2047) so every
 * header line is 7-bit, and the server's 4xx / 5xx answers classified (SPEC A7, issue 12).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { simpleParser, type AddressObject } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { createSmtpMailer } from '#shared/adapters/outbox-mailer';
import { createSigner } from '#shared/signer';
import { listUnsubscribeHeaders } from '#shared/subscribers/unsubscribe-links';
import { isPermanent, isTransient, type OutgoingMail } from '#shared/ports/mailer';

interface Received {
  from: string;
  to: string[];
  user: string | undefined;
  raw: string;
}

const received: Received[] = [];
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  server = new SMTPServer({
    // Plain SMTP on loopback: no certificate to trust, and AUTH allowed without TLS for the test.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === 's3cret') return callback(null, { user: auth.username });
      return callback(new Error('Invalid username or password'));
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      // Addresses that make the server answer as real ones do: 450 (try later) and 550 (no such user).
      if (address.address.startsWith('busy@')) return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 450 }));
      if (address.address.startsWith('nobody@')) return callback(Object.assign(new Error('No such user'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const url = () => `smtp://mailer:s3cret@127.0.0.1:${port}`;
const deps = { signer: createSigner('test-secret-of-the-smtp-test'), publicBaseUrl: 'https://news.example.com', clock: { now: () => new Date('2026-03-01T00:00:00Z') } };

/** The raw header block, unfolded (RFC 5322 §2.2.3). */
const headerBlock = (raw: string) => raw.slice(0, raw.search(/\r?\n\r?\n/)).replace(/\r?\n[ \t]+/g, ' ');
const headerValue = (raw: string, name: string) =>
  headerBlock(raw)
    .split(/\r?\n/)
    .find((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    ?.slice(name.length + 1)
    .trim();

describe('issue 15: the SMTP mailer against a real SMTP server', () => {
  it('SPEC M1, RFC 8058: delivers with authentication, the envelope, the List-Unsubscribe headers intact; Korean subject and names RFC 2047-encoded', async () => {
    const subject = '[주간 뉴스레터] 3월 첫째 주 소식: 새로운 기능과 구독자 여러분께 드리는 감사 인사 🎉';
    const unsubscribe = listUnsubscribeHeaders(deps, 'ws-1', 42, 'hong@example.com');
    const mail: OutgoingMail = {
      from: { name: '스티비 뉴스레터 팀', address: 'news@example.com' },
      to: '"홍길동" <hong@example.com>',
      subject,
      html: '<p>안녕하세요, 홍길동 님. 이번 주 소식입니다.</p>',
      text: '안녕하세요, 홍길동 님. 이번 주 소식입니다.',
      headers: { ...unsubscribe, 'X-Send-Id': 'send-123' },
      tags: { workspaceId: 'ws-1', listId: '42' },
      idempotencyKey: 'send-123',
    };
    const before = received.length;
    const { messageId } = await createSmtpMailer(url()).send(mail);
    expect(messageId).toMatch(/^<.+@.+>$/);
    expect(received).toHaveLength(before + 1);
    const got = received.at(-1)!;
    expect(got.user).toBe('mailer');
    expect(got.from).toBe('news@example.com');
    expect(got.to).toEqual(['hong@example.com']);

    // Every header line is 7-bit ASCII: Korean travels only as encoded words.
    const block = headerBlock(got.raw);
    expect(block).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    expect(headerValue(got.raw, 'Subject')).toMatch(/=\?UTF-8\?[BQ]\?/i);
    expect(headerValue(got.raw, 'From')).toMatch(/^=\?UTF-8\?[BQ]\?.+\?= <news@example\.com>$/i);
    expect(headerValue(got.raw, 'To')).toMatch(/^=\?UTF-8\?[BQ]\?.+\?= <hong@example\.com>$/i);
    expect(headerValue(got.raw, 'Message-ID')).toBe(messageId);

    // RFC 8058: the exact URL in angle brackets (unfolded), and the one-click POST body.
    expect(headerValue(got.raw, 'List-Unsubscribe')).toBe(unsubscribe['List-Unsubscribe']);
    expect(unsubscribe['List-Unsubscribe']).toMatch(/^<https:\/\/news\.example\.com\/v1\/subscriptions\/unsubscribe\?token=[^>\s]+>$/);
    expect(headerValue(got.raw, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(headerValue(got.raw, 'X-Send-Id')).toBe('send-123');
    // SES tags and the idempotency key are ours, not headers.
    expect(block).not.toMatch(/workspaceId|ws-1|idempotency/i);

    // Decoded as a mail client does: the Korean exactly as sent.
    const parsed = await simpleParser(got.raw);
    expect(parsed.subject).toBe(subject);
    expect((parsed.from as AddressObject).value).toEqual([{ name: '스티비 뉴스레터 팀', address: 'news@example.com' }]);
    expect((parsed.to as AddressObject).value).toEqual([{ name: '홍길동', address: 'hong@example.com' }]);
    expect(parsed.html).toContain('안녕하세요, 홍길동 님.');
    expect(parsed.text?.trim()).toBe('안녕하세요, 홍길동 님. 이번 주 소식입니다.');
  });

  it('issue 12: a 4xx answer is transient, a 5xx answer permanent, a refused login and an unreachable server are errors, nothing delivered', async () => {
    const mailer = createSmtpMailer(url());
    const before = received.length;
    const base = { from: { address: 'news@example.com' }, subject: '제목', html: '<p>본문</p>' };
    const busy = await mailer.send({ ...base, to: 'busy@example.com' }).catch((e: unknown) => e);
    expect(isTransient(busy)).toBe(true);
    const nobody = await mailer.send({ ...base, to: 'nobody@example.com' }).catch((e: unknown) => e);
    expect(isPermanent(nobody)).toBe(true);
    const badLogin = await createSmtpMailer(`smtp://mailer:wrong@127.0.0.1:${port}`)
      .send({ ...base, to: 'a@example.com' })
      .catch((e: unknown) => e);
    // 535 authentication failed: a refusal, not worth repeating as is.
    expect(isPermanent(badLogin)).toBe(true);
    // Nothing listens on port 1: no connection, so nothing was handed over.
    const unreachable = await createSmtpMailer('smtp://127.0.0.1:1').send({ ...base, to: 'a@example.com' }).catch((e: unknown) => e);
    expect(isTransient(unreachable)).toBe(true);
    expect(received).toHaveLength(before);
  });
});
