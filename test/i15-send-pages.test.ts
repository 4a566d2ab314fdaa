/**
 * Issue 15: a regular email's page is claimed once and its recipients recorded in batches
 * (shared/emails/deliver.ts; docs/api.md "Sending", docs/data-model.md "Email recipients").
 *
 * 1. Writes, counted from every write call of the runtime's DynamoDB client during a send through
 *    the v2 API: each recipient's item is written once, in BatchWriteItem (never in a
 *    transaction), and the pages' own writes (claim, attempts, commits, figures) stay a small part
 *    of a write per recipient; at most 3 item writes per recipient in all.
 * 2. Takeover on the movable clock, a page of 350 (sub-batches of 100) left by two dead holders
 *    in every state a sub-batch can be in: committed; results written but not committed;
 *    attempting, some mailed and some not, without results; never attempted. Each recipient
 *    goes out exactly once, none is lost, and the figures equal the logs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { createList } from './support/lists';
import { verifiedSender } from './support/senders';
import { add, movableClock, waitFor } from './support/automations';
import { expectOk } from './support/emails';
import { createOutboxMailer } from '#shared/adapters/outbox-mailer';
import { deliver, PAGE_LEASE_MS, SUB_BATCH, type DeliverInput } from '#shared/emails/deliver';
import type { Mailer, OutgoingMail } from '#shared/ports/mailer';
import type { SubscriberRecord } from '#shared/subscribers/record';
import type { Deps } from '#shared/runtime/deps';
import { readFigures } from '#shared/emails/emails';

const clock = movableClock(new Date('2026-04-10T02:00:00Z'));
let app: TestApp;
let api: ApiClient;
let workspaceId: string;
useTestApp((s) => ({ app, api, workspaceId } = s), { clock, emailPageSize: 40 });

type Progress = { queued: number; sending: number; sent: number; failed: number };
type Logs = { total: number; items: Array<{ subscriber: string; action: string }> };

/** Item writes by kind: recipient items (ESEND#), and everything else, split into batched and transactional. */
function countWrites(client: DynamoDBDocumentClient) {
  const counts = { recipientBatched: 0, recipientOther: 0, otherItems: 0, recipientKeys: new Map<string, number>() };
  const tally = (key: Record<string, unknown> | undefined, batched: boolean) => {
    const pk = key?.PK as { S?: string } | string | undefined;
    const sk = key?.SK as { S?: string } | string | undefined;
    const str = (v: typeof pk) => (typeof v === 'string' ? v : (v?.S ?? ''));
    if (str(pk).startsWith('ESEND#')) {
      counts[batched ? 'recipientBatched' : 'recipientOther']++;
      const k = `${str(pk)} ${str(sk)}`;
      counts.recipientKeys.set(k, (counts.recipientKeys.get(k) ?? 0) + 1);
    } else counts.otherItems++;
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const name = context.commandName ?? '';
      if (/^TransactWrite/.test(name)) for (const t of (input.TransactItems ?? []) as Array<Record<string, Record<string, unknown>>>) tally((t.Put?.Item ?? t.Update?.Key ?? t.Delete?.Key) as Record<string, unknown>, false);
      else if (/^BatchWrite/.test(name))
        for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, Array<Record<string, Record<string, Record<string, unknown>>>>>))
          for (const r of requests) tally(r.PutRequest?.Item ?? r.DeleteRequest?.Key, true);
      else if (/^(Put|Update|Delete)(Item)?Command$/.test(name)) tally((input.Item ?? input.Key) as Record<string, unknown>, false);
      return next(args);
    },
    { step: 'initialize', name: 'i15PageWriteCounter', override: true },
  );
  return counts;
}

async function regularEmail(listId: number, subject: string) {
  const res = await api.post<{ id: number }>('/v2/emails', { subject, senderEmail: 'news@example.com', senderName: 'News', listId });
  expect(res.status, res.text).toBe(200);
  expectOk(await api.request('POST', `/v2/emails/${res.json.id}/content`, '<p>Hello $%name%$</p>', { 'Content-Type': 'text/html' }));
  return res.json.id;
}

const progressOf = async (id: number) => (await api.get<{ status: number; sendProgress: Progress }>(`/v2/emails/${id}`)).json;
const logsOf = async (id: number) => (await api.get<Logs>(`/v2/emails/${id}/logs?limit=1000`)).json;

describe('issue 15: a page of a regular email, claimed once and recorded in batches', () => {
  it('writes each recipient item once, in BatchWriteItem; at most 3 item writes per recipient with the pages\' own', { timeout: 120_000 }, async () => {
    const listId = await createList(api, 'page writes');
    await verifiedSender(api, listId);
    const count = 240;
    await add(api, listId, Array.from({ length: count }, (_, i) => ({ email: `w${i}@example.com`, name: `W${i}` })));
    const id = await regularEmail(listId, 'Page writes');
    const writes = countWrites(app.runtime.deps.db);
    expectOk(await api.post(`/v2/emails/${id}/send`));
    const done = await waitFor(() => progressOf(id), (e) => e.status === 3, 90_000);
    expect(done.sendProgress).toMatchObject({ queued: count, sending: 0, sent: count, failed: 0 });

    expect(writes.recipientKeys.size).toBe(count);
    expect([...writes.recipientKeys.values()].filter((n) => n !== 1)).toEqual([]);
    expect(writes.recipientBatched).toBe(count);
    expect(writes.recipientOther).toBe(0);
    // The pages' claims, attempts, commits and figures, and the email's own status changes.
    expect(writes.otherItems / count).toBeLessThan(0.5);
    expect((writes.recipientBatched + writes.recipientOther + writes.otherItems) / count).toBeLessThanOrEqual(3);
  });

  it('a page left by dead holders in every sub-batch state is finished: each recipient mailed once, none lost, figures equal the logs', { timeout: 120_000 }, async () => {
    const listId = await createList(api, 'page takeover');
    await verifiedSender(api, listId);
    const id = await regularEmail(listId, 'Page takeover');
    const at = clock.now().toISOString();
    const recipients: SubscriberRecord[] = Array.from({ length: 3 * SUB_BATCH + 50 }, (_, i) => ({
      email: `t${String(i).padStart(3, '0')}@example.com`,
      status: 'subscribed',
      fields: {},
      adAgreed: 'N',
      groupIds: [],
      createdAt: at,
      updatedAt: at,
      statusAt: at,
      version: 1,
      addedBy: 'MANUAL',
    }));
    const total = recipients.length;
    const input: DeliverInput = {
      emailId: id,
      recipients,
      page: { shard: 0, cursor: null },
      facts: { workspaceId, listId },
      render: ({ subscriber, sendId }) => ({ from: { address: 'news@example.com', name: 'News' }, to: subscriber.email, subject: 'Page takeover', html: `<p>${sendId}</p>`, tags: { workspaceId } }),
    };

    // What went out: the outbox writes a message once per key; the count is of the messages each mailer wrote.
    const dir = mkdtempSync(join(tmpdir(), 'i15-pages-takeover-'));
    const wentOut = new Map<string, number>();
    const mailer = (hangAfter = Infinity): Mailer & { calls: number } => {
      const outbox = createOutboxMailer(dir);
      const m = {
        calls: 0,
        async send(mail: OutgoingMail) {
          if (++m.calls > hangAfter) return new Promise<never>(() => undefined);
          const res = await outbox.send(mail);
          wentOut.set(mail.to as string, (wentOut.get(mail.to as string) ?? 0) + 1);
          return res;
        },
        lookup: outbox.lookup!.bind(outbox),
      };
      return m;
    };
    const base: Deps = { ...app.runtime.deps, sendTakeoverBefore: undefined };

    // Holder 1 commits sub-batch 1, writes sub-batch 2's results, and dies before committing them.
    const real = base.db;
    const db = Object.create(real) as DynamoDBDocumentClient;
    db.send = ((command: unknown, ...rest: unknown[]) => {
      const items = command instanceof TransactWriteCommand ? command.input.TransactItems : undefined;
      if (items?.[0]?.Update?.ExpressionAttributeValues?.[':k'] === 2) return new Promise(() => undefined);
      return (real.send as (...a: unknown[]) => Promise<unknown>).call(real, command, ...rest);
    }) as DynamoDBDocumentClient['send'];
    const first = mailer();
    void deliver({ ...base, db, mailer: first }, input);
    await waitFor(() => wentOut.size, (n) => n === 2 * SUB_BATCH, 60_000);
    await waitFor(async () => (await logsOf(id)).items.filter((i) => i.action === 'P').length, (n) => n === 2 * SUB_BATCH, 30_000);
    // The email is driven here by its page step alone (no execution): its figures are read as GET shows them once sending.
    const figures = () => readFigures(app.runtime.deps, id);
    expect(await figures()).toMatchObject({ queued: total, sent: SUB_BATCH, sending: total - SUB_BATCH });

    // Its lease still running, the page is held: nobody else mails any of it.
    const waiting = mailer();
    expect(await deliver({ ...base, mailer: waiting }, input)).toEqual({ sent: 0, failed: 0, held: total - 2 * SUB_BATCH });
    expect(waiting.calls).toBe(0);

    // Holder 2 takes over after the lease: commits sub-batch 2 without mailing it, and dies
    // mailing sub-batch 3 (40 went out, the rest never left).
    clock.advance(PAGE_LEASE_MS + 1_000);
    const second = mailer(40);
    void deliver({ ...base, mailer: second }, input);
    await waitFor(() => second.calls, (n) => n >= 41, 60_000);
    await waitFor(() => wentOut.size, (n) => n === 2 * SUB_BATCH + 40, 30_000);
    await waitFor(async () => (await figures()).sent, (n) => n === 2 * SUB_BATCH, 30_000);
    expect(await figures()).toMatchObject({ queued: total, sent: 2 * SUB_BATCH, sending: total - 2 * SUB_BATCH });

    // Holder 3: the 40 the outbox holds are recorded sent unmailed, the other 60 and the last 50 are mailed.
    clock.advance(PAGE_LEASE_MS + 1_000);
    const third = mailer();
    expect(await deliver({ ...base, mailer: third }, input)).toEqual({ sent: total - 2 * SUB_BATCH, failed: 0, held: 0 });
    expect(third.calls).toBe(SUB_BATCH - 40 + 50);

    expect(wentOut.size).toBe(total);
    expect([...wentOut.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(new Set(wentOut.keys())).toEqual(new Set(recipients.map((r) => r.email)));
    const progress = await figures();
    expect(progress).toMatchObject({ queued: total, sending: 0, sent: total, failed: 0 });
    const logs = await logsOf(id);
    const sentLogged = logs.items.filter((i) => i.action === 'P').map((i) => i.subscriber);
    expect(sentLogged).toHaveLength(progress.sent);
    expect(new Set(sentLogged)).toEqual(new Set(recipients.map((r) => r.email)));

    // A page run again once finished mails nobody and changes no figure.
    const again = mailer();
    expect(await deliver({ ...base, mailer: again }, input)).toEqual({ sent: 0, failed: 0, held: 0 });
    expect(again.calls).toBe(0);
    expect(await figures()).toMatchObject({ queued: total, sending: 0, sent: total, failed: 0 });
  });
});
