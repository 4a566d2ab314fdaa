/**
 * Issue 13's benchmark, the v1 half of `npm run bench -- v2`: a v1 subscriber look-up of 1,000
 * rows at offset 10,000 in a 100,000-member list (reference/api-webhook_list-api_2024-04-18.md),
 * p50 < 500 ms. The list is filled by a Sixshop import of 100,000 members (the fastest way in;
 * its pages write the same status index the subscribe API does) and 100 unsubscribes through
 * the API; then the look-up runs RUNS times, with and without a status, plus a dated count.
 */
import { listBasics, percentile, round, startBenchApp } from './harness';
import { newBrowser, submitConsent } from '../test/support/browser';

const MEMBERS = 100_000;
const RUNS = 20;

export async function benchV1Lookup(): Promise<Record<string, unknown>> {
  const app = await startBenchApp();
  try {
    const started = (await app.call('POST', '/v2/integrations/sixshop/connect')) as { authorizeUrl: string };
    // The browser's part of connecting (issue 14): start, the provider, the consent page, confirm.
    const browser = newBrowser();
    const consent = await browser.open(started.authorizeUrl);
    const confirmed = await submitConsent(browser, consent.text, 'confirm');
    if (confirmed.status !== 200) throw new Error(`connect failed: ${confirmed.status} ${confirmed.text}`);
    app.runtime.simulator!.control.sixshop.set({ memberCount: MEMBERS });
    const { id: listId } = (await app.call('POST', '/v2/lists', { ...listBasics, name: 'bench lookup', kind: 'sixshop' })) as { id: number };
    const fillStarted = performance.now();
    const job = (await app.call('POST', `/v2/lists/${listId}/imports`)) as { jobId: string };
    for (;;) {
      const state = (await app.call('GET', `/v2/lists/${listId}/imports/${job.jobId}`)) as { status: string };
      if (state.status === 'completed') break;
      if (state.status !== 'running') throw new Error(`import ${state.status}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await app.runtime.workflow.idle();
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    // A linked list takes members from its import only; unsubscribing some goes through the API (Sixshop lists allow it).
    await app.call('PUT', `/v1/lists/${listId}/subscribers/unsubscribe`, Array.from({ length: 100 }, (_, i) => `member${i * 997}@sixshop.example.com`));
    const total = (await app.call('GET', `/v1/lists/${listId}/subscribers/count`)) as number;
    if (total !== MEMBERS) throw new Error(`expected ${MEMBERS} members, got ${total}`);

    const timed = async (path: string, check: (v: unknown) => void) => {
      const ms: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const t = performance.now();
        const value = await app.call('GET', path);
        ms.push(performance.now() - t);
        check(value);
      }
      return { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), runs: RUNS };
    };
    const rows = (v: unknown) => {
      if (!Array.isArray(v) || v.length !== 1000) throw new Error(`expected 1,000 rows, got ${Array.isArray(v) ? v.length : typeof v}`);
    };
    // The page at offset 10,000 starts right after row 9,999: the offset is exact.
    const before = (await app.call('GET', `/v1/lists/${listId}/subscribers?offset=9999&limit=2`)) as { email: string }[];
    const page = (await app.call('GET', `/v1/lists/${listId}/subscribers?offset=10000&limit=1000`)) as { email: string }[];
    if (before[1]?.email !== page[0]?.email) throw new Error('offset 10,000 does not follow offset 9,999');

    return {
      members: total,
      importSeconds: round(fillSeconds),
      lookupOffset10000Limit1000Ms: await timed(`/v1/lists/${listId}/subscribers?offset=10000&limit=1000`, rows),
      lookupStatusSOffset10000Limit1000Ms: await timed(`/v1/lists/${listId}/subscribers?status=S&offset=10000&limit=1000`, rows),
      lookupOffset0Limit1000Ms: await timed(`/v1/lists/${listId}/subscribers?offset=0&limit=1000`, rows),
      lookupOffset90000Limit1000Ms: await timed(`/v1/lists/${listId}/subscribers?offset=90000&limit=1000`, rows),
      countWithDatesMs: await timed(`/v1/lists/${listId}/subscribers/count?status=S&startDate=20000101&endDate=29991231`, (v) => {
        if (v !== total - 100) throw new Error(`expected ${total - 100}, got ${String(v)}`);
      }),
    };
  } finally {
    await app.close();
  }
}
