/**
 * Issue 16: the outbox mailer makes its folder once, not once per message (a system call per send
 * on the path of 10,000 triggered sends), and still makes it again when it has gone (issue 12's
 * "unwritable outbox" keeps its own test in i12-mailers.test.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutgoingMail } from '#shared/ports/mailer';

const made = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    mkdir: (async (...args: Parameters<typeof fs.mkdir>) => {
      made.count++;
      return fs.mkdir(...args);
    }) as typeof fs.mkdir,
  };
});

const { createOutboxMailer } = await import('#shared/adapters/outbox-mailer');

const mail = (to: string, key: string): OutgoingMail => ({ from: { address: 'news@example.com' }, to, subject: 'Hello', html: '<p>hi</p>', idempotencyKey: key });
const emlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.eml'));

describe('issue 16: the outbox folder', () => {
  it('30 messages make the folder once; a folder removed meanwhile is made again and the message written', async () => {
    const root = mkdtempSync(join(tmpdir(), 'i16-outbox-'));
    const dir = join(root, 'outbox');
    const outbox = createOutboxMailer(dir);
    made.count = 0;
    await Promise.all(Array.from({ length: 30 }, (_, i) => outbox.send(mail(`a${i}@example.com`, `k${i}`))));
    expect(emlFiles(dir)).toHaveLength(30);
    expect(made.count).toBe(1);
    rmSync(dir, { recursive: true });
    await outbox.send(mail('b@example.com', 'after'));
    expect(emlFiles(dir)).toHaveLength(1);
    expect(made.count).toBe(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
    rmSync(root, { recursive: true });
  });
});
