/**
 * Issue 16, SPEC A5: the pending-send queue's search is served by its token index
 * (shared/automations/queue-search.ts, docs/data-model.md "Queue search"), not by reading the
 * queue: it finds by address prefix, domain and field value, stays in step when a send is made,
 * removed or newly queued, and shows nothing of another workspace's queue.
 */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { createList } from './support/lists';
import { add, dashboard, movableClock, queue, started, waitFor } from './support/automations';
import { tallyCapacity } from '#shared/db/capacity';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import type { PendingItem } from '#shared/automations/triggers';

const clock = movableClock(new Date('2026-03-04T03:00:00Z'));
let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s), { clock, schedulerIntervalMs: 50 });

const PEOPLE = 300;
const email = (i: number) => `m${String(i).padStart(3, '0')}@d${i % 10}.test`;
const person = (i: number) => ({
  email: email(i),
  name: `회원 ${i % 7 === 0 ? '홍길동' : `이름${i}`}`,
  city: i % 50 === 0 ? 'Jeju' : 'Seoul',
  // Makes each queued send a few hundred bytes, as a real one is: a read of the queue shows in the units.
  memo: `note ${'x'.repeat(300)} ${i}`,
});

/** A search's queue page and what its Query calls read (the token index reads a few small items). */
async function searched(automationId: number, search: string, extra = '') {
  const tally = tallyCapacity(app.runtime.deps.db);
  const before = { ...(tally.byCommand.QueryCommand ?? { calls: 0, readUnits: 0, writeUnits: 0 }) };
  const page = await queue(api, automationId, `?search=${encodeURIComponent(search)}${extra}`);
  const after = tally.byCommand.QueryCommand ?? before;
  return { page, emails: page.items.map((i) => i.email), queryUnits: after.readUnits - before.readUnits };
}

describe('issue 16 / A5: the queue search index', () => {
  it('finds by address prefix, domain and field value without reading the queue, and stays in step', async () => {
    const listId = await createList(api, 'search', [
      { tag: 'name', label: '이름' },
      { tag: 'city', label: '도시' },
      { tag: 'memo', label: '메모' },
    ]);
    const a = await started(api, listId, { subject: 'Later', delay: { value: 1, unit: 'days' } });
    await add(api, listId, Array.from({ length: PEOPLE }, (_, i) => person(i)));
    expect((await waitFor(() => dashboard(api, a.automationId), (d) => d.queued === PEOPLE, 60_000)).queued).toBe(PEOPLE);
    // The whole queue once, unsearched: what a read of it costs.
    const whole = await searched(a.automationId, '');
    expect(whole.page.total).toBe(PEOPLE);

    // An address prefix.
    const prefix = await searched(a.automationId, 'M12');
    expect(prefix.emails.sort()).toEqual(Array.from({ length: 10 }, (_, k) => email(120 + k)).sort());
    // The search reads its tokens, not the queue: a read of 300 sends of this size is over 15 units.
    expect(prefix.queryUnits).toBeLessThanOrEqual(2);
    // A domain, with or without its @, paged 20 at a time in due order.
    const domain = await searched(a.automationId, '@d3.test');
    expect(domain.page.items).toHaveLength(20);
    expect(domain.page.hasMore).toBe(true);
    expect(domain.emails.every((e) => e.endsWith('@d3.test'))).toBe(true);
    expect(domain.page.items.map((i) => i.dueAt)).toEqual([...domain.page.items.map((i) => i.dueAt)].sort());
    expect(domain.queryUnits).toBeLessThanOrEqual(2);
    const domainPage2 = await searched(a.automationId, 'd3.test', '&page=2');
    expect(domainPage2.page.items).toHaveLength(10);
    expect(domainPage2.page.hasMore).toBe(false);
    expect(new Set([...domain.emails, ...domainPage2.emails]).size).toBe(30);
    // A whole field value (any case) and a word of one.
    const jeju = await searched(a.automationId, 'JEJU');
    expect(jeju.emails.sort()).toEqual([0, 50, 100, 150, 200, 250].map(email).sort());
    expect(jeju.queryUnits).toBeLessThanOrEqual(2);
    const hong = await searched(a.automationId, '홍길동', '&order=desc');
    expect(hong.page.items).toHaveLength(20);
    expect(hong.emails.every((e) => Number(e.slice(1, 4)) % 7 === 0)).toBe(true);
    expect(hong.page.items.map((i) => i.dueAt)).toEqual([...hong.page.items.map((i) => i.dueAt)].sort().reverse());
    const hongAll = [...hong.emails];
    for (const page of [2, 3]) hongAll.push(...(await searched(a.automationId, '홍길동', `&order=desc&page=${page}`)).emails);
    expect(new Set(hongAll).size).toBe(Math.ceil(PEOPLE / 7));
    expect((await searched(a.automationId, 'nobody')).emails).toEqual([]);

    // A send made now and a send removed leave the search; a newly queued one joins it.
    const [first, second] = jeju.page.items;
    expect((await api.post<{ sent: number }>(`/v2/automations/${a.automationId}/queue/send`, { ids: [first!.id] })).json.sent).toBe(1);
    expect((await api.post<{ removed: number }>(`/v2/automations/${a.automationId}/queue/remove`, { ids: [second!.id] })).json.removed).toBe(1);
    await add(api, listId, [{ ...person(999), email: 'late@d1.test', city: 'Jeju' }]);
    const after = await waitFor(() => searched(a.automationId, 'jeju'), (r) => r.emails.includes('late@d1.test'), 30_000);
    expect(after.emails.sort()).toEqual([...jeju.emails.filter((e) => e !== first!.email && e !== second!.email), 'late@d1.test'].sort());
    expect((await searched(a.automationId, first!.email.slice(0, 4))).emails).toEqual([]);
    expect((await queue(api, a.automationId)).total).toBe(PEOPLE - 1);

    // Another workspace sees nothing of this queue, searched or not.
    const other = await app.newWorkspace();
    const foreign = await other.api.get(`/v2/automations/${a.automationId}/queue?search=jeju`);
    // The v2 convention's refusal (issue 13): HTTP 400, NoSuchEmail, nothing of the queue.
    expect(foreign.status, foreign.text).toBe(400);
    expect(foreign.error?.code).toBe('stberror.Errors.Email.NoSuchEmail');
    expect(foreign.text).not.toContain('.test');
  }, 120_000);

  it('a search matching most of the queue still pages right (the filtered read serves it)', async () => {
    const listId = await createList(api, 'broad', [{ tag: 'name', label: '이름' }]);
    const a = await started(api, listId, { subject: 'Later', delay: { value: 1, unit: 'days' } });
    // 1,002 tokens start with "b" (each address and its domain): more than the index reads for one search.
    await add(api, listId, Array.from({ length: 501 }, (_, i) => ({ email: `b${i}@broad.test`, name: `N${i}` })));
    expect((await waitFor(() => dashboard(api, a.automationId), (d) => d.queued === 501, 60_000)).queued).toBe(501);
    const p1 = await queue(api, a.automationId, '?search=b');
    expect(p1.items).toHaveLength(20);
    expect(p1.hasMore).toBe(true);
    const last = await queue(api, a.automationId, '?search=b&page=26');
    expect(last.items).toHaveLength(1);
    expect(last.hasMore).toBe(false);
  }, 120_000);

  it('A4: the repeat a recurring email queues after a send is found by the search', async () => {
    const listId = await createList(api, 'repeat-search', [{ tag: 'name', label: '이름' }]);
    const a = await started(api, listId, { subject: 'Daily', recurrence: 'daily' });
    await add(api, listId, [{ email: 'repeat@daily.test', name: '반복' }]);
    // Sent at once, then its next send queued a day later by the dispatcher.
    const found = await waitFor(() => queue(api, a.automationId, '?search=%EB%B0%98%EB%B3%B5'), (p) => p.items.length === 1, 30_000);
    expect(found.items.map((i) => i.email)).toEqual(['repeat@daily.test']);
    expect((await queue(api, a.automationId, '?search=repeat@d')).items).toHaveLength(1);

    // A send moved to a later key, as the dispatcher moves a paused email's window-held send
    // (holdItems: the item under its new key and the history naming it, in one transaction), is
    // still found, under its new due time, though its tokens name the old key.
    const { db, tableName } = app.runtime.deps;
    const [entry] = found.items;
    const old = (await db.send(new GetCommand({ TableName: tableName, Key: { PK: keys.pendingPartition(a.automationId), SK: entry!.id } }))).Item as PendingItem;
    const later = new Date(new Date(old.dueAt).getTime() + 3 * 86_400_000).toISOString();
    const moved = { ...old, ...keys.pendingSend(a.automationId, later, old.sendId), ...keys.dueGsi(later, old.sendId), dueAt: later };
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: tableName, Key: { PK: old.PK, SK: old.SK } } },
          { Put: { TableName: tableName, Item: moved } },
          {
            Update: {
              TableName: tableName,
              Key: keys.automationSubscriber(a.automationId, old.email),
              UpdateExpression: 'SET pending.#id = :sk',
              ExpressionAttributeNames: { '#id': old.sendId },
              ExpressionAttributeValues: { ':sk': moved.SK },
            },
          },
        ],
      }),
    );
    for (const order of ['asc', 'desc']) {
      const after = await queue(api, a.automationId, `?search=repeat&order=${order}`);
      expect(after.items.map((i) => [i.id, i.dueAt])).toEqual([[moved.SK, later]]);
    }
  }, 60_000);
});
