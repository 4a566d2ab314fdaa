/**
 * Issue 15's benchmark (`npm run bench -- send`):
 * 1. a regular email to 10,000 subscribers on the embedded default: from the send request to the
 *    10,000th message in the outbox (target < 10 s), and the table's item writes per recipient
 *    during the send (target ≤ 3);
 * 2. the fan-out of a 1,000,000-recipient send: the email-send state machine's one definition run
 *    by aws-local-stepfunctions (as the local runtime does), recipients generated page by page
 *    and each rendered as a real mail for a stubbed mailer (no database): wall time and peak
 *    memory at 100,000 and at 1,000,000 recipients (flat: no state grows with the recipients).
 *
 * SEND_BENCH_RECIPIENTS and SEND_BENCH_FANOUT shrink the sizes for a quick run.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { batchWrite } from '#shared/db/batch';
import { shardOf, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import { SUB_BATCH } from '#shared/emails/deliver';
import { DEFAULT_PAGE_SIZE } from '#shared/emails/send';
import { subscriberItem } from '#shared/subscribers/store';
import { renderContent } from '#shared/automations/render';
import { emailSendStateMachineDefinition, emailSendTasks } from '#shared/emails/state-machine';
import { createSigner } from '#shared/signer';
import { createOutboxMailer } from '#shared/adapters/outbox-mailer';
import { join } from 'node:path';
import { systemClock } from '#shared/ports/clock';
import type { SubscriberRecord } from '#shared/subscribers/record';
import type { ListRecord } from '#shared/lists/model';
import { loadavg, tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { round, startBenchApp, listBasics } from './harness';
import { batchWriteFloor, costOf, measured, transactionFloor } from './floor';

/** About a recipient's result item's size (shared/emails/deliver.ts: keys, status, send id, times, message id). */
const RECIPIENT_ITEM_BYTES = 300;
/** About a page item's size while a sub-batch is in flight (100 addresses and times). */
const PAGE_ITEM_BYTES = 6_000;

const RECIPIENTS = Number(process.env.SEND_BENCH_RECIPIENTS ?? 10_000);
const FANOUT = Number(process.env.SEND_BENCH_FANOUT ?? 1_000_000);
const SENDER = 'news@example.com';
const HTML = '<html><body><p>$%name%$님, 안녕하세요</p><a href="https://example.com/a">기사</a></body></html>';

const outboxCount = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')).length : 0);

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 600_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    // Every 100 ms: listing a folder of 10,000 messages is CPU the send under test would lose.
    await new Promise((r) => setTimeout(r, 100));
  }
}

const subscriber = (email: string, name: string): SubscriberRecord => {
  const now = new Date().toISOString();
  return { email, status: 'subscribed', fields: { name }, adAgreed: 'N', groupIds: [], createdAt: now, updatedAt: now, statusAt: now, version: 1, addedBy: 'MANUAL' };
};

/** Item writes the table is asked for (a transaction's or batch's items each count). */
function countWrites(db: { middlewareStack: { add: (mw: unknown, opts: unknown) => void } }) {
  const counter = { writes: 0 };
  db.middlewareStack.add(
    (next: (args: { input: Record<string, unknown> }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
      const name = context.commandName ?? '';
      if (/^(PutItem|UpdateItem|DeleteItem|PutCommand|UpdateCommand|DeleteCommand)/.test(name)) counter.writes += 1;
      else if (/^TransactWrite/.test(name)) counter.writes += ((args.input.TransactItems as unknown[]) ?? []).length;
      else if (/^BatchWrite/.test(name)) counter.writes += Object.values((args.input.RequestItems as Record<string, unknown[]>) ?? {}).reduce((n, r) => n + r.length, 0);
      return next(args);
    },
    { step: 'initialize', name: 'benchWriteCounter' },
  );
  return counter;
}

async function regularSend(): Promise<Record<string, unknown>> {
  const app = await startBenchApp();
  const writes = countWrites(app.runtime.deps.db as unknown as Parameters<typeof countWrites>[0]);
  const { db, tableName } = app.runtime.deps;
  try {
    const outbox = app.runtime.outboxDir;
    const send = async (count: number, label: string) => {
      const list = (await app.call('POST', '/v2/lists', { ...listBasics, name: label, fields: [{ tag: 'name', label: '이름' }] })) as { id: number };
      await app.verifiedSender(list.id, SENDER);
      // Subscribers written straight into the table (how they got there is the subscribe benchmark's business).
      const ref = { listId: list.id, gen: 1 } as unknown as ListRecord;
      const rows = Array.from({ length: count }, (_, i) => subscriber(`${label}-${i}@example.com`, `구독자${i}`));
      await batchWrite(app.runtime.deps.db, app.runtime.deps.tableName, rows.map((s) => ({ put: subscriberItem(ref, s, shardOf(s.email)) as { PK: string; SK: string } })));
      const email = (await app.call('POST', '/v2/emails', { subject: '$%name%$님, 이번 주 소식', senderEmail: SENDER, senderName: '뉴스레터', listId: list.id })) as { id: number };
      const res = await fetch(`${app.runtime.url}/v2/emails/${email.id}/content`, { method: 'POST', headers: { AccessToken: app.key, 'Content-Type': 'text/html' }, body: HTML });
      if (res.status !== 200) throw new Error(`content: ${res.status} ${await res.text()}`);
      const before = outboxCount(outbox);
      const writesBefore = writes.writes;
      const t0 = performance.now();
      let lastMail = 0;
      const { units } = await measured(db, async () => {
        await app.call('POST', `/v2/emails/${email.id}/send`);
        await until(() => outboxCount(outbox) - before >= count);
        lastMail = performance.now() - t0;
        await until(async () => ((await app.call('GET', `/v2/emails/${email.id}`)) as { status: number }).status === 3);
      });
      const done = performance.now() - t0;
      const figures = (await app.call('GET', `/v2/emails/${email.id}`)) as { sendProgress: { sent: number } };
      if (figures.sendProgress.sent !== count) throw new Error(`expected ${count} sent, figures say ${figures.sendProgress.sent}`);
      return { lastMail, done, writesPerRecipient: (writes.writes - writesBefore) / count, units };
    };
    await send(500, 'warm');
    await batchWriteFloor(db, tableName, 1000, RECIPIENT_ITEM_BYTES);
    const run = await send(RECIPIENTS, 'bench');
    // The floor, in the same run on the same table: the writes the send cannot do without, in the
    // same shape: each recipient's result in BatchWriteItem, and the pages' transactions (a claim
    // per page, a commit per sub-batch: 2 items each, 8 shards at once).
    const perShard = Math.ceil(RECIPIENTS / SUBSCRIBER_SHARDS);
    const pages = SUBSCRIBER_SHARDS * Math.ceil(perShard / DEFAULT_PAGE_SIZE);
    const subBatches = SUBSCRIBER_SHARDS * (Math.floor(perShard / DEFAULT_PAGE_SIZE) * Math.ceil(DEFAULT_PAGE_SIZE / SUB_BATCH) + Math.ceil((perShard % DEFAULT_PAGE_SIZE) / SUB_BATCH));
    const resultSeconds = await batchWriteFloor(db, tableName, RECIPIENTS, RECIPIENT_ITEM_BYTES);
    const pageTxSeconds = await transactionFloor(db, tableName, 2 * (pages + subBatches), PAGE_ITEM_BYTES, 2, SUBSCRIBER_SHARDS);
    const floorSeconds = resultSeconds + pageTxSeconds;
    const mailerSeconds = await mailerFloor(RECIPIENTS);
    return {
      recipients: RECIPIENTS,
      // The machine is shared: the 1, 5 and 15 minute load averages at the end of the run.
      loadAverage: loadavg().map((l) => round(l, 1)),
      requestToLastOutboxMessageMs: Math.round(run.lastMail),
      targetMs: 10_000,
      requestToStatusSentMs: Math.round(run.done),
      ratios: {
        toFloor: round(run.lastMail / 1000 / floorSeconds, 2),
        floor: `BatchWriteItem of one result item per recipient, plus the pages' transactions (${pages} claims and ${subBatches} sub-batch commits, 2 items each, ${SUBSCRIBER_SHARDS} at once)`,
      },
      floorSeconds: { total: round(floorSeconds, 2), resultsBatchWrite: round(resultSeconds, 2), pageTransactions: round(pageTxSeconds, 2), mailerAlone: round(mailerSeconds, 2) },
      // The writes and the local mailer share the machine's two cores, so their floors add up.
      toFloorWithMailer: round(run.lastMail / 1000 / (floorSeconds + mailerSeconds), 2),
      floorWithMailer: 'the writes floor + the same number of mails rendered and written by the outbox mailer alone (16 in flight, no database)',
      itemWritesPerRecipient: round(run.writesPerRecipient, 2),
      targetWritesPerRecipient: 3,
      floorItemWritesPerRecipient: round((RECIPIENTS + 2 * (pages + subBatches)) / RECIPIENTS, 2),
      // Request units as AWS bills them (shared/db/capacity.ts), and the on-demand price in Seoul.
      costPerRecipient: costOf(run.units, RECIPIENTS, 1_000_000, 'Million'),
    };
  } finally {
    await app.close();
  }
}

/**
 * The local mailer's own floor: `count` mails rendered as the send renders them and written by the
 * outbox adapter (composed by nodemailer, written aside and renamed), 16 in flight as the page
 * step mails, with no database. Seconds.
 */
async function mailerFloor(count: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mailer-floor-'));
  const mailer = createOutboxMailer(dir);
  const deps = { signer: createSigner('bench'.repeat(8)), publicBaseUrl: 'https://api.example.com', clock: systemClock };
  const list = { listId: 1, workspaceId: 'ws', companyName: '회사', companyAddress: '서울', companyContact: '02', senderName: '뉴스레터' } as ListRecord;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++;
        const s = subscriber(`floor-${i}@example.com`, `구독자${i}`);
        const sendId = `e1-floor${i}`;
        const mail = renderContent(deps, { content: { html: HTML, subject: '$%name%$님', senderEmail: SENDER, senderName: '뉴스레터' }, list, subscriber: s, sendId, tracking: { a: 0, r: 1 }, tags: { emailId: '1' } });
        await mailer.send({ ...mail, idempotencyKey: sendId });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return seconds;
}

/** A full collection, so retained memory is measured rather than V8's choice of when to collect. */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** The state machine with generated pages and a stubbed mailer: what the fan-out itself costs. */
async function fanOut(recipients: number): Promise<Record<string, unknown>> {
  const { StateMachine } = await import('aws-local-stepfunctions');
  let text = JSON.stringify(emailSendStateMachineDefinition);
  for (const [placeholder, id] of Object.entries(emailSendTasks)) text = text.replaceAll(`\${${placeholder}}`, `arn:aws:lambda:ap-northeast-2:000000000000:function:${id}`);
  const shards = 8;
  const pageSize = 500;
  const perShard = Math.ceil(recipients / shards);
  const deps = { signer: createSigner('bench'.repeat(8)), publicBaseUrl: 'https://api.example.com', clock: systemClock };
  const list = { listId: 1, workspaceId: 'ws', companyName: '회사', companyAddress: '서울', companyContact: '02', senderName: '뉴스레터' } as ListRecord;
  let mailed = 0;
  let bytes = 0;
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  // What the fan-out keeps (flat or not) is the heap left after a full collection, sampled every
  // 20 pages; the 50 ms samples show peaks, which depend on when V8 chooses to collect.
  let retainedHeap = 0;
  let pagesDone = 0;
  const retained = () => {
    collectGarbage();
    retainedHeap = Math.max(retainedHeap, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 50);
  const handlers = {
    Prepare: async (input: { emailId: number }) => ({ emailId: input.emailId, shards: Array.from({ length: shards }, (_, i) => i), concurrency: shards, pageSize }),
    SendPage: async (input: { emailId: number; shard: number; cursor: string | null; pageSize: number }) => {
      const from = input.cursor ? Number(input.cursor) : 0;
      const to = Math.min(perShard, from + input.pageSize);
      const sends: Promise<unknown>[] = [];
      for (let i = from; i < to; i++) {
        const s = subscriber(`s${input.shard}-${i}@example.com`, `구독자${i}`);
        const mail = renderContent(deps, { content: { html: HTML, subject: '$%name%$님', senderEmail: SENDER, senderName: '뉴스레터' }, list, subscriber: s, sendId: `e1-${input.shard}-${i}`, tracking: { a: 0, r: 1 }, tags: { emailId: '1' } });
        // The stubbed mailer: accepts at once.
        sends.push(Promise.resolve().then(() => {
          mailed++;
          bytes += mail.html.length;
        }));
      }
      await Promise.all(sends);
      if (++pagesDone % 20 === 0) retained();
      return { emailId: input.emailId, shard: input.shard, pageSize: input.pageSize, cursor: to >= perShard ? null : String(to), done: to >= perShard, result: { sent: to - from, failed: 0, held: 0 } };
    },
    Finish: async (input: { emailId: number }) => input,
  };
  sample();
  collectGarbage();
  const baseline = process.memoryUsage().rss;
  const baselineHeap = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const sm = new StateMachine(JSON.parse(text) as ConstructorParameters<typeof StateMachine>[0]);
  const execution = sm.run({ emailId: 1 }, { overrides: { taskResourceLocalHandlers: handlers as unknown as Record<string, (input: unknown) => Promise<never>> } });
  await execution.result;
  const wall = performance.now() - t0;
  clearInterval(timer);
  sample();
  retained();
  if (mailed !== perShard * shards) throw new Error(`fan-out mailed ${mailed} of ${perShard * shards}`);
  return {
    recipients: mailed,
    pages: Math.ceil(perShard / pageSize) * shards,
    wallMs: Math.round(wall),
    recipientsPerSecond: Math.round(mailed / (wall / 1000)),
    baselineRssMiB: round(baseline / 2 ** 20),
    peakRssMiB: round(peakRss / 2 ** 20),
    peakHeapMiB: round(peakHeap / 2 ** 20),
    baselineHeapAfterGcMiB: round(baselineHeap / 2 ** 20),
    retainedHeapAfterGcMiB: round(retainedHeap / 2 ** 20),
    renderedMiB: round(bytes / 2 ** 20),
  };
}

export async function benchSend(): Promise<Record<string, unknown>> {
  const send = await regularSend();
  const small = await fanOut(Math.max(8, Math.round(FANOUT / 10)));
  const full = await fanOut(FANOUT);
  return {
    regularEmail: send,
    fanOut: {
      tenth: small,
      full,
      // Flat in the recipients: 10 times the recipients, about the same peak memory; time grows with the mails only.
      peakRssRatioFullToTenth: round(Number(full.peakRssMiB) / Number(small.peakRssMiB), 2),
      retainedHeapRatioFullToTenth: round(Number(full.retainedHeapAfterGcMiB) / Number(small.retainedHeapAfterGcMiB), 2),
      wallRatioFullToTenth: round(Number(full.wallMs) / Number(small.wallMs), 2),
      loadAverage: loadavg().map((l) => round(l, 1)),
    },
  };
}
