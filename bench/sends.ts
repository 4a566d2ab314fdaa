/**
 * Issue 16 (a): triggered automated sends against their floor. N subscribers meet a trigger (in
 * 2,000-row requests); the figure is the time from the first request until all N emails are in
 * the outbox, beside the floor of the same run: the subscribe requests alone (the same rows into a
 * list with no automated email) plus BatchWriteItem of 3 send-sized items per send.
 * `BENCH_SENDS=2000 npm run bench -- sends` for a quick run.
 *
 * Rates (SPEC M3, and the API's throttle) are lifted, and the result says so: the benchmark
 * measures what the pipeline can do, not what a tenant is allowed. The API's 10 requests/s would
 * not bind anyway (five 2,000-row requests); the shared sending rate would: it is off by default
 * locally (MAIL_RATE_PER_SECOND unset), and at an SES account's rate of R mails a second 10,000
 * sends take at least 10,000 / R seconds whatever the pipeline does. The benchmark refuses to run
 * with a rate set, so a figure is never silently measured under one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { round, startBenchApp, listBasics } from './harness';
import { batchWriteFloor, costOf, measured, transactionFloor } from './floor';
import { cpuMeter } from './cpu';

const SENDS = Number(process.env.BENCH_SENDS ?? 10_000);
const ROWS_PER_REQUEST = 2000;
/** About a send record's size (shared/automations/dispatch.ts, SendingRecord) with this benchmark's subscriber. */
const SEND_ITEM_BYTES = 420;

const outboxCount = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')).length : 0);

export async function benchSends(): Promise<Record<string, unknown>> {
  const app = await startBenchApp();
  let repeatedRequests = 0;
  try {
    if (app.runtime.deps.mailRatePerSecond > 0) throw new Error(`MAIL_RATE_PER_SECOND=${app.runtime.deps.mailRatePerSecond} would measure the rate limit, not the pipeline: unset it`);
    const db = app.runtime.deps.db;
    const outbox = app.runtime.outboxDir;
    const subscribe = async (listId: number, prefix: string, n: number) => {
      for (let i = 0; i < n / ROWS_PER_REQUEST; i++) {
        const body = { eventOccurredBy: 'MANUAL', subscribers: rows(Math.min(ROWS_PER_REQUEST, n - i * ROWS_PER_REQUEST), `${prefix}${i}`) };
        // On a loaded machine a 2,000-row request can reach the handler's timeout; repeating it is
        // safe (docs/api.md, issue 12) and a caller would. Counted, so a figure shows it happened.
        for (let attempt = 1; ; attempt++) {
          try {
            await app.call('POST', `/v1/lists/${listId}/subscribers`, body);
            break;
          } catch (error) {
            if (attempt >= 3 || !String(error).includes('INTERNAL_ERROR')) throw error;
            repeatedRequests++;
          }
        }
      }
    };
    const startedEmail = async (name: string) => {
      const list = (await app.call('POST', '/v2/lists', { ...listBasics, name })) as { id: number };
      // Issue 14: an automated email is saved only with a verified sender of its list.
      await app.verifiedSender(list.id, automation(list.id).senderEmail);
      const a = (await app.call('POST', '/v2/automations', automation(list.id))) as { automationId: number };
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
    let firstEmail = 0;
    const runCpu = cpuMeter(app.dynamoPid);
    const run = await measured(db, async () => {
      const watch = until(() => {
        if (!firstEmail && outboxCount(outbox) > before) firstEmail = performance.now() - t0;
        return outboxCount(outbox) - before >= SENDS;
      }, 900_000);
      await subscribe(bench.listId, 'b', SENDS);
      const requests = performance.now() - t0;
      await watch;
      return requests;
    });
    const allSent = (performance.now() - t0) / 1000;
    const cpuRun = runCpu.read();
    const board = (await app.call('GET', `/v2/automations/${bench.automationId}/dashboard`)) as { sent: number };
    if (board.sent !== SENDS) throw new Error(`expected ${SENDS} sent, the dashboard says ${board.sent}`);

    // The floors, measured now, on the same table: subscribing alone, then the send writes alone.
    const plain = (await app.call('POST', '/v2/lists', { ...listBasics, name: 'plain' })) as { id: number };
    const s0 = performance.now();
    const subscribeCpu = cpuMeter(app.dynamoPid);
    const subscribeOnly = await measured(db, () => subscribe(plain.id, 'p', SENDS));
    const subscribeSeconds = (performance.now() - s0) / 1000;
    const cpuSubscribe = subscribeCpu.read();
    // Metered around the puts alone (not the clean-up that follows them).
    let floorCpu = cpuMeter(app.dynamoPid);
    let cpuFloor = floorCpu.read();
    const floorSeconds = await batchWriteFloor(db, app.runtime.deps.tableName, 3 * SENDS, SEND_ITEM_BYTES, { start: () => (floorCpu = cpuMeter(app.dynamoPid)), stop: () => (cpuFloor = floorCpu.read()) });
    const txFloorSeconds = await transactionFloor(db, app.runtime.deps.tableName, 3 * SENDS, SEND_ITEM_BYTES);
    // CPU seconds of both processes: what a loaded machine changes least (bench/cpu.ts).
    const cpuTotal = (c: { dynamoDbLocal?: number; node: number }) => (c.dynamoDbLocal ?? 0) + c.node;
    const sendUnits = { ...run.units, readUnits: run.units.readUnits - subscribeOnly.units.readUnits, writeUnits: run.units.writeUnits - subscribeOnly.units.writeUnits };
    return {
      sends: SENDS,
      // The machine is shared: the 1, 5 and 15 minute load averages at the end of the run.
      loadAverage: loadavg().map((l) => round(l, 1)),
      ratios: {
        toFloor: round(allSent / (subscribeSeconds + floorSeconds), 2),
        sendsToWriteFloor: round((allSent - subscribeSeconds) / floorSeconds, 2),
        floor: 'the subscribe requests alone + BatchWriteItem of 3 send-sized items per send',
        cpuToFloor: round(cpuTotal(cpuRun) / (cpuTotal(cpuSubscribe) + cpuTotal(cpuFloor)), 2),
        cpu: 'CPU seconds (DynamoDB Local JVM + Node) of the run over those of the same floor',
      },
      cpuSeconds: {
        run: { dynamoDbLocal: round(cpuRun.dynamoDbLocal ?? NaN, 2), node: round(cpuRun.node, 2) },
        floorSubscribeAlone: { dynamoDbLocal: round(cpuSubscribe.dynamoDbLocal ?? NaN, 2), node: round(cpuSubscribe.node, 2) },
        floorBatchWrite3PerSend: { dynamoDbLocal: round(cpuFloor.dynamoDbLocal ?? NaN, 2), node: round(cpuFloor.node, 2) },
      },
      seconds: {
        allInOutbox: round(allSent, 2),
        subscribeRequests: round(run.value / 1000, 2),
        firstEmail: round(firstEmail / 1000, 2),
        lastEmailAfterLastRequest: round(allSent - run.value / 1000, 2),
        floorSubscribeAlone: round(subscribeSeconds, 2),
        floorBatchWrite3PerSend: round(floorSeconds, 2),
        floorTransactional3PerSend: round(txFloorSeconds, 2),
      },
      emailsPerSecond: round(SENDS / allSent),
      repeatedRequests,
      rates: { mailRatePerSecond: 'off (SPEC M3 limit not set: MAIL_RATE_PER_SECOND unset)', apiThrottle: 'lifted (bench/harness.ts)' },
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

/**
 * Polls every 200 ms: each poll lists the outbox folder (10,000+ names at the end), which at 50 ms
 * cost the measured machine a tenth of a core (2.4 s of CPU in a 2,000-send run).
 */
async function until(done: () => boolean, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}
