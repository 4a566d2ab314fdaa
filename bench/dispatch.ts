/**
 * Issue 4's benchmark on the embedded default:
 * 1. 10,000 subscribers meet a trigger (added in five 2,000-row requests); time from the first
 *    request until all 10,000 emails are in the outbox, with the subscribe requests' share;
 * 2. with 100,000 pending sends in one automated email's queue: page 1 both ways, a deep page,
 *    and searches by email and by field value (p50/p95 of 10 requests each).
 */
import { existsSync, readdirSync } from 'node:fs';
import { batchWrite } from '#shared/db/batch';
import { pendingItemOf, type PendingItem } from '#shared/automations/triggers';
import { writeSearchTokens } from '#shared/automations/queue-search';
import { keys } from '#shared/table/keys';
import type { AutomationRecord } from '#shared/automations/model';
import type { SubscriberRecord } from '#shared/subscribers/record';
import { percentile, round, startBenchApp, listBasics } from './harness';

const TRIGGERED = 10_000;
const QUEUED_SUBSCRIBERS = 10_000;
const SENDS_EACH = 10;
const QUERIES = 10;

const outboxCount = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')).length : 0);

export async function benchDispatch(): Promise<Record<string, unknown>> {
  const app = await startBenchApp();
  try {
    const outbox = app.runtime.outboxDir;
    // Warm-up: a small list through the same path.
    const warm = (await app.call('POST', '/v2/lists', { ...listBasics, name: 'warm' })) as { id: number };
    // Issue 14: an automated email is saved only with a verified sender of its list.
    await app.verifiedSender(warm.id, automation(warm.id).senderEmail);
    const warmA = (await app.call('POST', '/v2/automations', automation(warm.id))) as { automationId: number };
    await app.call('POST', `/v2/automations/${warmA.automationId}/start`);
    const warmBefore = outboxCount(outbox);
    await app.call('POST', `/v1/lists/${warm.id}/subscribers`, { eventOccurredBy: 'MANUAL', subscribers: rows(500, 'warm') });
    await until(() => outboxCount(outbox) - warmBefore >= 500);

    const list = (await app.call('POST', '/v2/lists', { ...listBasics, name: 'bench' })) as { id: number };
    await app.verifiedSender(list.id, automation(list.id).senderEmail);
    const a = (await app.call('POST', '/v2/automations', automation(list.id))) as { automationId: number };
    await app.call('POST', `/v2/automations/${a.automationId}/start`);
    const before = outboxCount(outbox);
    const t0 = performance.now();
    for (let i = 0; i < TRIGGERED / 2000; i++) {
      await app.call('POST', `/v1/lists/${list.id}/subscribers`, { eventOccurredBy: 'MANUAL', subscribers: rows(2000, `b${i}`) });
    }
    const requestsDone = performance.now() - t0;
    await until(() => outboxCount(outbox) - before >= TRIGGERED, 600_000);
    const allSent = performance.now() - t0;
    const figures1 = (await app.call('GET', `/v2/automations/${a.automationId}/dashboard`)) as { sent: number };
    if (figures1.sent !== TRIGGERED) throw new Error(`expected ${TRIGGERED} sent, dashboard says ${figures1.sent}`);

    // 100,000 pending sends: 10,000 subscribers × 10 sends each, due over the next days.
    const qList = (await app.call('POST', '/v2/lists', { ...listBasics, name: 'queue', fields: [{ tag: 'name', label: '이름' }, { tag: 'city', label: '도시' }] })) as { id: number };
    await app.verifiedSender(qList.id, automation(qList.id).senderEmail);
    const qa = (await app.call('POST', '/v2/automations', { ...automation(qList.id), delay: { value: 1, unit: 'days' } })) as AutomationRecord;
    for (let i = 0; i < QUEUED_SUBSCRIBERS / 2000; i++) {
      await app.call('POST', `/v1/lists/${qList.id}/subscribers`, { eventOccurredBy: 'MANUAL', subscribers: rows(2000, `q${i}`, true) });
    }
    const deps = app.runtime.deps;
    const record = { ...qa, workspaceId: app.workspaceId, listId: qList.id } as AutomationRecord;
    const base = Date.now() + 86_400_000;
    const loadStart = performance.now();
    for (let chunk = 0; chunk < QUEUED_SUBSCRIBERS; chunk += 1000) {
      const items = [];
      for (let i = chunk; i < chunk + 1000; i++) {
        const b = Math.floor(i / 2000);
        const s = { email: `q${b}-${i % 2000}@example.com`, fields: { name: `구독자${i}`, city: i % 7 === 0 ? '서울' : '부산' } } as unknown as SubscriberRecord;
        const pending: Record<string, string> = {};
        for (let k = 0; k < SENDS_EACH; k++) {
          const due = new Date(base + (k * QUEUED_SUBSCRIBERS + i) * 1000);
          const item = pendingItemOf(record, s, `bench${i}x${k}`, due, due, new Date());
          pending[item.sendId] = item.SK;
          items.push({ put: item as unknown as Record<string, unknown> & { PK: string; SK: string } });
        }
        // The trigger history that queueing writes beside the sends (what an email search reads).
        items.push({ put: { ...keys.automationSubscriber(record.automationId, s.email), type: 'automationSubscriber', version: 1, satisfied: [], fired: [], pending } });
      }
      // Issue 16: and the search tokens queueing writes before them.
      await writeSearchTokens(deps, items.filter((i) => i.put.type === 'pending') as unknown as PendingItem[]);
      await batchWrite(deps.db, deps.tableName, items, 16);
    }
    const loadMs = performance.now() - loadStart;
    const time = async (path: string) => {
      const samples: number[] = [];
      for (let i = 0; i < QUERIES; i++) {
        const t = performance.now();
        const page = (await app.call('GET', path)) as { items: unknown[] };
        samples.push(performance.now() - t);
        if (!page.items.length) throw new Error(`${path}: empty page`);
      }
      return { p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)) };
    };
    const q = `/v2/automations/${qa.automationId}/queue`;
    const queue = {
      pendingSends: QUEUED_SUBSCRIBERS * SENDS_EACH,
      page1AscMs: await time(`${q}?page=1`),
      page1DescMs: await time(`${q}?page=1&order=desc`),
      page50Ms: await time(`${q}?page=50`),
      searchEmailMs: await time(`${q}?search=${encodeURIComponent('q3-1999@example.com')}`),
      searchEmailPartMs: await time(`${q}?search=${encodeURIComponent('q3-1999@')}`),
      searchFieldMs: await time(`${q}?search=${encodeURIComponent('서울')}`),
    };
    return {
      triggered: {
        subscribers: TRIGGERED,
        subscribeRequestsSeconds: round(requestsDone / 1000, 2),
        allInOutboxSeconds: round(allSent / 1000, 2),
        emailsPerSecond: round(TRIGGERED / (allSent / 1000)),
      },
      queue,
      queueLoadSeconds: round(loadMs / 1000, 1),
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

const rows = (n: number, prefix: string, city = false) =>
  Array.from({ length: n }, (_, i) => ({ email: `${prefix}-${i}@example.com`, name: `구독자${i}`, ...(city ? { city: i % 7 === 0 ? '서울' : '부산' } : {}) }));

async function until(done: () => boolean, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
