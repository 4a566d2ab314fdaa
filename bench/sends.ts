/**
 * Issue 16 (a): triggered automated sends against their floor. N subscribers meet a trigger (in
 * 2,000-row requests); the figure is the time from the first request until all N emails are in
 * the outbox, beside the floor of the same run: the subscribe requests alone (the same rows into a
 * list with no automated email) plus BatchWriteItem of 3 send-sized items per send.
 * `BENCH_SENDS=2000 npm run bench -- sends` for a quick run.
 */
import { existsSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { round, startBenchApp, listBasics } from './harness';
import { batchWriteFloor, costOf, measured, transactionFloor } from './floor';

const SENDS = Number(process.env.BENCH_SENDS ?? 10_000);
const ROWS_PER_REQUEST = 2000;
/** About a send record's size (shared/automations/dispatch.ts, SendingRecord) with this benchmark's subscriber. */
const SEND_ITEM_BYTES = 420;

const outboxCount = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')).length : 0);

export async function benchSends(): Promise<Record<string, unknown>> {
  const app = await startBenchApp();
  try {
    const db = app.runtime.deps.db;
    const outbox = app.runtime.outboxDir;
    const subscribe = async (listId: number, prefix: string, n: number) => {
      for (let i = 0; i < n / ROWS_PER_REQUEST; i++) {
        await app.call('POST', `/v1/lists/${listId}/subscribers`, { eventOccurredBy: 'MANUAL', subscribers: rows(Math.min(ROWS_PER_REQUEST, n - i * ROWS_PER_REQUEST), `${prefix}${i}`) });
      }
    };
    const startedEmail = async (name: string) => {
      const list = (await app.call('POST', '/v2/lists', { ...listBasics, name })) as { id: number };
      const a = (await app.call('POST', '/v2/automations', automation(list.id))) as { automationId: number };
      await app.verifiedSender(list.id, automation(list.id).senderEmail);
      await app.call('POST', `/v2/automations/${a.automationId}/start`);
      return { listId: list.id, automationId: a.automationId };
    };
    // Warm-up: the same path at a fifth of the size, and the floors once.
    const warm = await startedEmail('warm');
    const warmBefore = outboxCount(outbox);
    await subscribe(warm.listId, 'warm', Math.min(2000, SENDS));
    await until(() => outboxCount(outbox) - warmBefore >= Math.min(2000, SENDS));
    await batchWriteFloor(db, app.runtime.deps.tableName, 6000, SEND_ITEM_BYTES);

    const bench = await startedEmail('bench');
    const before = outboxCount(outbox);
    const t0 = performance.now();
    const run = await measured(db, async () => {
      await subscribe(bench.listId, 'b', SENDS);
      const requests = performance.now() - t0;
      await until(() => outboxCount(outbox) - before >= SENDS, 600_000);
      return requests;
    });
    const allSent = (performance.now() - t0) / 1000;
    const board = (await app.call('GET', `/v2/automations/${bench.automationId}/dashboard`)) as { sent: number };
    if (board.sent !== SENDS) throw new Error(`expected ${SENDS} sent, the dashboard says ${board.sent}`);

    // The floors, measured now, on the same table: subscribing alone, then the send writes alone.
    const plain = (await app.call('POST', '/v2/lists', { ...listBasics, name: 'plain' })) as { id: number };
    const s0 = performance.now();
    const subscribeOnly = await measured(db, () => subscribe(plain.id, 'p', SENDS));
    const subscribeSeconds = (performance.now() - s0) / 1000;
    const floorSeconds = await batchWriteFloor(db, app.runtime.deps.tableName, 3 * SENDS, SEND_ITEM_BYTES);
    const txFloorSeconds = await transactionFloor(db, app.runtime.deps.tableName, 3 * SENDS, SEND_ITEM_BYTES);
    const sendUnits = { ...run.units, readUnits: run.units.readUnits - subscribeOnly.units.readUnits, writeUnits: run.units.writeUnits - subscribeOnly.units.writeUnits };
    return {
      sends: SENDS,
      // The machine is shared: the 1, 5 and 15 minute load averages at the end of the run.
      loadAverage: loadavg().map((l) => round(l, 1)),
      ratios: {
        toFloor: round(allSent / (subscribeSeconds + floorSeconds), 2),
        sendsToWriteFloor: round((allSent - subscribeSeconds) / floorSeconds, 2),
        floor: 'the subscribe requests alone + BatchWriteItem of 3 send-sized items per send',
      },
      seconds: {
        allInOutbox: round(allSent, 2),
        subscribeRequests: round(run.value / 1000, 2),
        floorSubscribeAlone: round(subscribeSeconds, 2),
        floorBatchWrite3PerSend: round(floorSeconds, 2),
        floorTransactional3PerSend: round(txFloorSeconds, 2),
      },
      emailsPerSecond: round(SENDS / allSent),
      costPerSend: costOf(sendUnits as typeof run.units, SENDS, 1000, 'Thousand'),
      costPerSubscribeRow: costOf(subscribeOnly.units, SENDS, 1000, 'Thousand'),
    };
  } finally {
    await app.close();
  }
}

const automation = (listId: number) => ({
  listId,
  name: 'bench',
  senderEmail: 'news@example.com',
  subject: 'Welcome $%name%$',
  html: '<html><body><p>Hello $%name%$</p><a href="https://example.com/start">Start</a></body></html>',
  triggers: [{ type: 'subscriberAdded', includeAdminAdded: true }],
});

const rows = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ email: `${prefix}-${i}@example.com`, name: `구독자${i}` }));

async function until(done: () => boolean, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
