/**
 * Issue 2's benchmark: a 2,000-subscriber subscribe request (new emails, then the same emails
 * again as MANUAL updates), p50/p95 over 10 runs, and single-subscriber requests from 1 client.
 */
import { machineLoad, percentile, round, startBenchApp, listBasics } from './harness';
import { addUnits, callsPer, costOf, measured, transactionFloor, withoutPolls } from './floor';
import { emptyTally } from '#shared/db/capacity';
import { jsonBytes } from '#shared/db/item-size';
import { subscriberItem } from '#shared/subscribers/store';
import { keys } from '#shared/table/keys';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** BENCH_RUNS shortens a smoke run; the figures are of 10. */
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const BATCH = 2000;
const SINGLE_SECONDS = 5;

/** A typical row is email, name and consent; `withPhone` adds a unique phone (one more item to write). */
const subscribers = (run: number, withPhone: boolean) =>
  Array.from({ length: BATCH }, (_, i) => ({
    email: `user${i}.run${run}@example.com`,
    name: `구독자${i}`,
    ...(withPhone ? { phone: `010-${String(1000 + run).slice(-4)}-${String(i).padStart(4, '0')}` } : {}),
    $ad_agreed: i % 2 ? 'Y' : 'N',
  }));

type Call = (method: string, path: string, body?: unknown) => Promise<unknown>;
type Db = { db: DynamoDBDocumentClient; tableName: string };

/** Bytes of a new subscriber's item as this bench writes it, and of a phone guard item. */
function itemSizes(listId: number) {
  const now = new Date().toISOString();
  const record = { email: 'user1999.run199@example.com', status: 'subscribed' as const, fields: { name: '구독자1999', phone: '010-1199-1999' }, adAgreed: 'Y' as const, groupIds: [], createdAt: now, updatedAt: now, statusAt: now, version: 1, phoneDigits: '01011991999', addedBy: 'MANUAL' as const, index: { day: '20261201', pos: 99 } };
  return { subscriber: jsonBytes(subscriberItem({ listId, gen: 1 }, record)), phoneGuard: jsonBytes({ ...keys.phone(listId, 1, '01011991999'), type: 'phone', email: record.email }) };
}

/**
 * p50/p95 of a 2,000-row request with new emails, then of the same rows again as MANUAL updates.
 * Issue 16: each new-subscriber request is followed by its floor, the same conditional puts in
 * transactions of 100, 8 at once (a subscriber's, and a phone guard's where the rows have phones).
 */
async function batchFigures(call: Call, store: Db, listId: number, withPhone: boolean, runOffset: number) {
  const created: number[] = [];
  const updated: number[] = [];
  const floors: number[] = [];
  const units = emptyTally();
  const sizes = itemSizes(listId);
  for (let run = runOffset; run < runOffset + RUNS; run++) {
    const body = { eventOccurredBy: 'MANUAL', subscribers: subscribers(run, withPhone) };
    let t = performance.now();
    const { value: added, units: u } = await measured(store.db, () => call('POST', `/v1/lists/${listId}/subscribers`, body) as Promise<{ success: unknown[] }>);
    created.push(performance.now() - t);
    addUnits(units, withoutPolls(u));
    if (added.success.length !== BATCH) throw new Error(`expected ${BATCH} added, got ${added.success.length}`);
    const f0 = performance.now();
    await transactionFloor(store.db, store.tableName, BATCH, sizes.subscriber, 100, 8);
    if (withPhone) await transactionFloor(store.db, store.tableName, BATCH, sizes.phoneGuard, 100, 8);
    floors.push(performance.now() - f0);
    t = performance.now();
    const again = (await call('POST', `/v1/lists/${listId}/subscribers`, body)) as { update: unknown[] };
    updated.push(performance.now() - t);
    if (again.update.length !== BATCH) throw new Error(`expected ${BATCH} updated, got ${again.update.length}`);
  }
  const p50 = percentile(created, 50);
  return {
    requestBodyKiB: round(Buffer.byteLength(JSON.stringify({ subscribers: subscribers(0, withPhone) })) / 1024),
    newSubscribersMs: { p50: round(p50), p95: round(percentile(created, 95)) },
    manualUpdatesMs: { p50: round(percentile(updated, 50)), p95: round(percentile(updated, 95)) },
    floor: {
      what: `${BATCH} conditional puts of ${sizes.subscriber} B${withPhone ? ` and ${BATCH} of ${sizes.phoneGuard} B (phone guards)` : ''} in transactions of 100, 8 at once`,
      p50Ms: round(percentile(floors, 50)),
      ratio: round(p50 / percentile(floors, 50), 2),
    },
    newSubscribersCallsPerRequest: callsPer(units, RUNS),
    newSubscribersCostPerRow: costOf(units, BATCH * RUNS, 1000, 'Per1000Rows'),
  };
}

export async function benchSubscribe(): Promise<Record<string, unknown>> {
  const loadBefore = machineLoad();
  const app = await startBenchApp();
  const store = { db: app.runtime.deps.db, tableName: app.runtime.deps.tableName };
  try {
    const startWarmup = await app.runtime.databaseWarm;
    const fields = [
      { tag: 'name', label: '이름' },
      { tag: 'phone', label: '전화번호', type: 'phone' },
    ];
    const list = (await app.call('POST', '/v2/lists', { ...listBasics, name: 'bench', fields })) as { id: number };
    // Warm-up (creates and updates) so that the JVM's JIT and first-use costs do not count.
    for (const run of [997, 998, 999]) {
      await app.call('POST', `/v1/lists/${list.id}/subscribers`, { subscribers: subscribers(run, true) });
      await app.call('POST', `/v1/lists/${list.id}/subscribers`, { subscribers: subscribers(run, run % 2 === 0) });
    }
    const typical = await batchFigures(app.call, store, list.id, false, 0);
    const withPhone = await batchFigures(app.call, store, list.id, true, 100);
    const singles: number[] = [];
    const until = performance.now() + SINGLE_SECONDS * 1000;
    for (let i = 0; performance.now() < until; i++) {
      const t = performance.now();
      await app.call('POST', `/v1/lists/${list.id}/subscribers`, { subscribers: [{ email: `single${i}@example.com`, name: '한명' }] });
      singles.push(performance.now() - t);
    }
    const figures = {
      startWarmup,
      machineLoad: { before: loadBefore, after: machineLoad() },
      batchSize: BATCH,
      runs: RUNS,
      emailNameConsent: typical,
      emailNameConsentPhone: withPhone,
      singleSubscriber: {
        requestsPerSecond: round(singles.length / SINGLE_SECONDS),
        p50Ms: round(percentile(singles, 50)),
        p95Ms: round(percentile(singles, 95)),
      },
    };
    return figures;
  } finally {
    await app.close();
  }
}
