/**
 * Issue 2's benchmark: a 2,000-subscriber subscribe request (new emails, then the same emails
 * again as MANUAL updates), p50/p95 over 10 runs, and single-subscriber requests from 1 client.
 */
import { percentile, round, startBenchApp, listBasics } from './harness';

const RUNS = 10;
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

/** p50/p95 of a 2,000-row request with new emails, then of the same rows again as MANUAL updates. */
async function batchFigures(call: Call, listId: number, withPhone: boolean, runOffset: number) {
  const created: number[] = [];
  const updated: number[] = [];
  for (let run = runOffset; run < runOffset + RUNS; run++) {
    const body = { eventOccurredBy: 'MANUAL', subscribers: subscribers(run, withPhone) };
    let t = performance.now();
    const added = (await call('POST', `/v1/lists/${listId}/subscribers`, body)) as { success: unknown[] };
    created.push(performance.now() - t);
    if (added.success.length !== BATCH) throw new Error(`expected ${BATCH} added, got ${added.success.length}`);
    t = performance.now();
    const again = (await call('POST', `/v1/lists/${listId}/subscribers`, body)) as { update: unknown[] };
    updated.push(performance.now() - t);
    if (again.update.length !== BATCH) throw new Error(`expected ${BATCH} updated, got ${again.update.length}`);
  }
  return {
    requestBodyKiB: round(Buffer.byteLength(JSON.stringify({ subscribers: subscribers(0, withPhone) })) / 1024),
    newSubscribersMs: { p50: round(percentile(created, 50)), p95: round(percentile(created, 95)) },
    manualUpdatesMs: { p50: round(percentile(updated, 50)), p95: round(percentile(updated, 95)) },
  };
}

export async function benchSubscribe(): Promise<Record<string, unknown>> {
  const app = await startBenchApp();
  try {
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
    const typical = await batchFigures(app.call, list.id, false, 0);
    const withPhone = await batchFigures(app.call, list.id, true, 100);
    const singles: number[] = [];
    const until = performance.now() + SINGLE_SECONDS * 1000;
    for (let i = 0; performance.now() < until; i++) {
      const t = performance.now();
      await app.call('POST', `/v1/lists/${list.id}/subscribers`, { subscribers: [{ email: `single${i}@example.com`, name: '한명' }] });
      singles.push(performance.now() - t);
    }
    const figures = {
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
