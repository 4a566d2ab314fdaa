import { mkdir, open, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { readdirSync, unlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { MailError, nodemailerMessage, type Mailer, type MailLookup, type OutgoingMail } from '#shared/ports/mailer';

/**
 * File-system errors that say the outbox could not take the message now but may later: a full
 * disk or quota, a directory made unwritable, missing or replaced, too many open files, I/O
 * trouble. Anything else (composing the message failed) is permanent.
 */
const TRANSIENT_FS_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'ENOTDIR', 'ENOENT', 'EEXIST']);

const fsCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/** A key as it appears in a file name (send ids are hex already). */
const safeKey = (key: string) => key.replace(/[^0-9A-Za-z_-]/g, '_').slice(0, 100);
/** `<ms>-<key>.eml`: names sort by time, and the key after the first dash finds the file. */
const keyOfName = (name: string) => name.slice(name.indexOf('-') + 1, -'.eml'.length);

/**
 * Local mailer: each message is composed by nodemailer and written as one RFC 5322 `.eml` file,
 * aside as `.part` and renamed, so whoever watches the folder never reads half a message and a
 * crash leaves either the whole file or none (issue 12). A message with an idempotency key is
 * written at most once: the key is in the file name, so a second send of it (a sweeper resolving
 * an interrupted send) answers the first file's message id, and `lookup` tells whether it exists.
 * Only one runtime owns an outbox (the data dir), so the names read once at start stay true.
 */
export function createOutboxMailer(directory: string): Mailer {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  // Leftovers of a process killed mid-write: never renamed, so never sent.
  try {
    if (existsSync(directory)) for (const name of readdirSync(directory)) if (name.endsWith('.part')) unlinkSync(join(directory, name));
  } catch {
    // Not a readable directory now: sends will say so (transient) until it is.
  }
  let index: Promise<Map<string, string>> | undefined;
  const written = () =>
    (index ??= readdir(directory)
      .catch(() => [] as string[])
      .then((names) => new Map(names.filter((n) => n.endsWith('.eml')).map((n) => [keyOfName(n), n]))));
  /** The folder, made once for every message at once (and again after it has gone). */
  let folder: Promise<unknown> | undefined;
  const makeFolder = () =>
    (folder ??= mkdir(directory, { recursive: true }).catch((error: unknown) => {
      folder = undefined;
      throw error;
    }));
  /** Keys being written now: a second send of one waits for the first. */
  const inFlight = new Map<string, Promise<{ messageId: string }>>();

  const messageIdOf = async (name: string): Promise<string> => {
    const file = await open(join(directory, name), 'r');
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(8192), 0, 8192, 0);
      const header = buffer.subarray(0, bytesRead).toString('utf8');
      return /^Message-ID:\s*(.+)$/im.exec(header)?.[1]?.trim() ?? name;
    } finally {
      await file.close();
    }
  };

  const write = async (mail: OutgoingMail): Promise<{ messageId: string }> => {
    // Tags are SES metadata, not headers; the outbox keeps them visible as X-Tag-* headers.
    const { idempotencyKey } = mail;
    const tagHeaders = Object.fromEntries(Object.entries(mail.tags ?? {}).map(([k, v]) => [`X-Tag-${k}`, v]));
    let info;
    try {
      info = await composer.sendMail(nodemailerMessage(mail, { ...mail.headers, ...tagHeaders }));
    } catch (error) {
      throw new MailError('permanent', `message could not be composed: ${(error as Error).message}`, { cause: error });
    }
    const messageId = String(info.messageId ?? randomUUID());
    const key = idempotencyKey ? safeKey(idempotencyKey) : randomUUID().slice(0, 8);
    const name = `${Date.now()}-${key}.eml`;
    const part = join(directory, `${name}.${randomUUID().slice(0, 8)}.part`);
    try {
      // The folder is made once, not per message (issue 16: a syscall per send); made again when
      // it has gone since (ENOENT), as before.
      await makeFolder();
      await writeFile(part, info.message as Buffer).catch(async (error: unknown) => {
        if (fsCode(error) !== 'ENOENT') throw error;
        folder = undefined;
        await makeFolder();
        await writeFile(part, info.message as Buffer);
      });
      await rename(part, join(directory, name));
    } catch (error) {
      // A full disk leaves half a file: it goes, whatever else fails.
      await unlink(part).catch(() => undefined);
      const code = fsCode(error);
      if (code && TRANSIENT_FS_CODES.has(code)) throw new MailError('transient', `outbox not writable (${code}): ${(error as Error).message}`, { cause: error });
      throw error;
    }
    if (idempotencyKey) (await written()).set(key, name);
    return { messageId };
  };

  return {
    async send(mail: OutgoingMail) {
      if (!mail.idempotencyKey) return write(mail);
      const key = safeKey(mail.idempotencyKey);
      const pending = inFlight.get(key);
      if (pending) return pending;
      // Registered before the first await: a concurrent send of the key waits for this one.
      const attempt = (async () => {
        const existing = (await written()).get(key);
        return existing ? { messageId: await messageIdOf(existing) } : write(mail);
      })().finally(() => inFlight.delete(key));
      inFlight.set(key, attempt);
      return attempt;
    },
    async lookup(key: string): Promise<MailLookup> {
      const k = safeKey(key);
      const pending = inFlight.get(k);
      if (pending) await pending.catch(() => undefined);
      const name = (await written()).get(k);
      return name ? { state: 'sent', messageId: await messageIdOf(name) } : { state: 'unsent' };
    },
  };
}

/** SMTP reply codes 4xx are "try again later"; 5xx are refusals (RFC 5321 §4.2.1). */
export function classifySmtp(error: unknown): unknown {
  const e = error as { responseCode?: number; code?: string; command?: string; message?: string };
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 500) return new MailError('transient', String(e.message), { cause: error });
  if (typeof e.responseCode === 'number' && e.responseCode >= 500) return new MailError('permanent', String(e.message), { cause: error });
  // No connection at all: nothing was handed over.
  if (e.command === 'CONN' || e.code === 'EDNS') return new MailError('transient', String(e.message), { cause: error });
  return error;
}

/**
 * SPEC A8 locally with a real mail server: SMTP_URL (smtp://user:pass@host:port) through nodemailer.
 * An SMTP server cannot be asked whether it took a message, so it has no `lookup`: a send
 * interrupted by a crash is recorded failed rather than risk a second copy.
 */
export function createSmtpMailer(url: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(mail: OutgoingMail) {
      try {
        const info = await transport.sendMail(nodemailerMessage(mail));
        return { messageId: String(info.messageId) };
      } catch (error) {
        throw classifySmtp(error);
      }
    },
  };
}
