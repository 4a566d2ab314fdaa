/**
 * Issue 13's v2 benchmark: POST /v2/lists/{id}/subscribers/batch with 1,000 new subscribers
 * (the yml's maximum), p50/p95 over 10 runs after 3 warm-ups; target p50 < 1 s. (The issue's
 * v1 look-up figure, 1,000 rows at offset 10,000, is bench/v1-lookup.ts, run with it by bench/run.ts.)
 */
import { listBasics, percentile, round, startBenchApp } from './harness';

const RUNS = 10;
const BATCH = 1000;

const subscribers = (run: number) =>
  Array.from({ length: BATCH }, (_, i) => ({
    email: `v2user${i}.run${run}@example.com`,
    status: 'subscribed',
    marketingAllowed: i % 2 === 0,
    fields: { name: `구독자${i}` },
  }));

export async function benchV2(): Promise<Record<string, unknown>> {
  const app = await startBenchApp();
  try {
    const list = (await app.call('POST', '/v2/lists', { ...listBasics, name: 'bench v2', fields: [{ tag: 'name', label: '이름' }] })) as { id: number };
    const add = async (run: number) => {
      const t = performance.now();
      const res = (await app.call('POST', `/v2/lists/${list.id}/subscribers/batch`, { subscribers: subscribers(run) })) as { createdSubscribers: string[] };
      const ms = performance.now() - t;
      if (res.createdSubscribers.length !== BATCH) throw new Error(`expected ${BATCH} created, got ${res.createdSubscribers.length}`);
      return ms;
    };
    for (const run of [997, 998, 999]) await add(run);
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) times.push(await add(run));
    return {
      batchSize: BATCH,
      runs: RUNS,
      requestBodyKiB: round(Buffer.byteLength(JSON.stringify({ subscribers: subscribers(0) })) / 1024),
      newSubscribersMs: { p50: round(percentile(times, 50)), p95: round(percentile(times, 95)) },
      targetP50Ms: 1000,
    };
  } finally {
    await app.close();
  }
}
