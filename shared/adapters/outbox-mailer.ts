import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Mailer, OutgoingMail } from '#shared/ports/mailer';

/** Local mailer: each message is composed by nodemailer and written as one RFC 5322 `.eml` file. */
export function createOutboxMailer(directory: string): Mailer {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let ready: Promise<unknown> | undefined;
  return {
    async send(mail: OutgoingMail) {
      // Tags are SES metadata, not headers; the outbox keeps them visible as X-Tag-* headers.
      const { tags, ...message } = mail;
      const tagHeaders = Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [`X-Tag-${k}`, v]));
      const info = await composer.sendMail({ ...message, headers: { ...mail.headers, ...tagHeaders } });
      const messageId = String(info.messageId ?? randomUUID());
      await (ready ??= mkdir(directory, { recursive: true }));
      const name = `${Date.now()}-${randomUUID().slice(0, 8)}.eml`;
      // Written aside and renamed: whoever watches the folder never reads half a message.
      await writeFile(join(directory, `${name}.part`), info.message as Buffer);
      await rename(join(directory, `${name}.part`), join(directory, name));
      return { messageId };
    },
  };
}

/** SPEC A8 locally with a real mail server: SMTP_URL (smtp://user:pass@host:port) through nodemailer. */
export function createSmtpMailer(url: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(mail: OutgoingMail) {
      const { tags: _tags, ...message } = mail;
      const info = await transport.sendMail(message);
      return { messageId: String(info.messageId) };
    },
  };
}
