/** SPEC A5 (the pending-send queue), A6 (pause), A7 (at most once), A4 through HTTP, M3 (rate). */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { createList } from './support/lists';
import { act, add, dashboard, mails, mailsTo, movableClock, queue, settle, started, waitFor } from './support/automations';
import { sendPending, dispatchMinute } from '#shared/automations/dispatch';
import { evaluateFacts } from '#shared/automations/triggers';
import type { PendingItem } from '#shared/automations/triggers';
import { queryAll } from '#shared/db/batch';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { minuteOf } from '#shared/automations/time';
import type { Mailer } from '#shared/ports/mailer';

// Wednesday 2026-03-04 12:00 in Seoul.
const clock = movableClock(new Date('2026-03-04T03:00:00Z'));
let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s), { clock, schedulerIntervalMs: 50 });

const pendingOf = async (automationId: number) =>
  (await queryAll(app.runtime.deps.db, {
    TableName: app.runtime.deps.tableName,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.pendingPartition(automationId) },
  })) as unknown as PendingItem[];
const queued = (id: number, n: number) => waitFor(() => pendingOf(id), (p) => p.length >= n);
const removeDueEntries = async () => {
  for (const e of app.runtime.scheduler.entries()) if (e.name.startsWith('due-')) await app.runtime.scheduler.remove(e.name);
};

describe('A4/A5 delay and the queue', () => {
  it('A4/A5: a delayed send waits in the queue with its due time, then goes out on its own', async () => {
    const listId = await createList(api, 'delay');
    const a = await started(api, listId, { subject: 'Later', delay: { value: 2, unit: 'hours' } });
    await add(api, listId, [{ email: 'wait@example.com', name: 'W' }]);
    await queued(a.automationId, 1);
    const page = await queue(api, a.automationId);
    expect(page.items).toHaveLength(1);
    const due = new Date(page.items[0]!.dueAt).getTime();
    expect(due - clock.now().getTime()).toBeGreaterThan(119 * 60_000);
    expect(due - clock.now().getTime()).toBeLessThanOrEqual(121 * 60_000);
    expect(page.total).toBe(1);
    expect(await mailsTo(app, 'wait@example.com')).toHaveLength(0);
    clock.set(new Date(due + 1_000));
    expect(await waitFor(() => mailsTo(app, 'wait@example.com'), (m) => m.length === 1)).toHaveLength(1);
    expect((await queue(api, a.automationId)).items).toHaveLength(0);
    expect((await dashboard(api, a.automationId)).queued).toBe(0);
  });

  it('A5: 20 a page, sorted by due time both ways, searched by email or field; send now and remove; unsubscribed vanish', async () => {
    const listId = await createList(api, 'queue', [{ tag: 'name', label: '이름' }, { tag: 'city', label: '도시' }]);
    const a = await started(api, listId, { subject: 'Queued', delay: { value: 1, unit: 'days' }, triggers: [{ type: 'api' }], allowDuplicates: true });
    const people = Array.from({ length: 25 }, (_, i) => ({ email: `p${String(i).padStart(2, '0')}@example.com`, name: `P${i}`, city: i % 3 === 0 ? 'Seoul' : 'Busan' }));
    await add(api, listId, people);
    // Triggered one a minute apart (clock moved), so due times are distinct and ordered.
    for (const [i, p] of people.entries()) {
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 1000));
      await api.post(a.apiEndpoint!, { subscriber: p.email });
      clock.advance(60_000);
    }
    await queued(a.automationId, 25);
    const p1 = await queue(api, a.automationId);
    const p2 = await queue(api, a.automationId, '?page=2');
    expect(p1.items).toHaveLength(20);
    expect(p1.hasMore).toBe(true);
    expect(p2.items).toHaveLength(5);
    expect(p2.hasMore).toBe(false);
    expect(p1.total).toBe(25);
    const dues = p1.items.map((i) => i.dueAt);
    expect([...dues].sort()).toEqual(dues);
    expect(p1.items[0]!.email).toBe('p00@example.com');
    const desc = await queue(api, a.automationId, '?order=desc');
    expect(desc.items[0]!.email).toBe('p24@example.com');
    expect(desc.items.map((i) => i.dueAt)).toEqual([...desc.items.map((i) => i.dueAt)].sort().reverse());
    expect((await queue(api, a.automationId, '?search=p07@')).items.map((i) => i.email)).toEqual(['p07@example.com']);
    // A whole address (any case) is found through its history, not by reading the queue through.
    expect((await queue(api, a.automationId, '?search=P07@Example.com')).items.map((i) => i.email)).toEqual(['p07@example.com']);
    expect((await queue(api, a.automationId, '?search=nobody@example.com')).items).toEqual([]);
    const seoul = await queue(api, a.automationId, '?search=seoul');
    expect(seoul.items).toHaveLength(9);
    expect(seoul.items.every((i) => Number(i.email.slice(1, 3)) % 3 === 0)).toBe(true);
    expect((await api.get(`/v2/automations/${a.automationId}/queue?page=0`)).error?.code).toBe('stberror.Errors.Data.InvalidRequest');

    // Send now: one by one.
    const sendNow = await api.post<{ sent: number }>(`/v2/automations/${a.automationId}/queue/send`, { ids: [p1.items[0]!.id, p1.items[1]!.id] });
    expect(sendNow.json.sent, sendNow.text).toBe(2);
    expect(await mailsTo(app, 'p00@example.com')).toHaveLength(1);
    // Sending the same entries again sends nothing (A7).
    expect((await api.post<{ sent: number }>(`/v2/automations/${a.automationId}/queue/send`, { ids: [p1.items[0]!.id] })).json.sent).toBe(0);
    // Remove: the page.
    const page = await queue(api, a.automationId);
    const removed = await api.post<{ removed: number }>(`/v2/automations/${a.automationId}/queue/remove`, { ids: page.items.map((i) => i.id) });
    expect(removed.json.removed).toBe(20);
    // Unsubscribed and deleted subscribers' sends vanish.
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['p22@example.com']);
    await api.del(`/v1/lists/${listId}/subscribers`, ['p23@example.com']);
    expect(await waitFor(() => pendingOf(a.automationId), (p) => p.length === 1)).toHaveLength(1);
    const rest = await queue(api, a.automationId, '?page=1');
    expect(rest.items.map((i) => i.email)).toEqual(['p24@example.com']);
    expect(rest.total).toBe(1);
    // Send all (of a search), then all.
    const all = await api.post<{ sent: number }>(`/v2/automations/${a.automationId}/queue/send`, { all: true, search: 'seoul' });
    expect(all.json.sent).toBe(1);
    const allRemoved = await api.post<{ removed: number }>(`/v2/automations/${a.automationId}/queue/remove`, { all: true });
    expect(allRemoved.json.removed).toBe(0);
    expect((await queue(api, a.automationId)).items).toHaveLength(0);
    expect((await api.post(`/v2/automations/${a.automationId}/queue/send`, {})).error?.code).toBe('stberror.Errors.Data.InvalidRequest');
    expect(await mailsTo(app, 'p22@example.com')).toHaveLength(0);
    expect(await mailsTo(app, 'p23@example.com')).toHaveLength(0);
    expect(await mailsTo(app, 'p24@example.com')).toHaveLength(1);
  });
});

describe('A4 windows and recurrence through HTTP', () => {
  it('A4: a trigger outside the window is sent when the window opens', async () => {
    const listId = await createList(api, 'window');
    // Now is ~Wednesday afternoon in Seoul; the window is Thursday only.
    const a = await started(api, listId, { subject: 'Thursday', sendWindow: { days: [4], from: '10:00', to: '11:00' } });
    await add(api, listId, [{ email: 'thu@example.com' }]);
    await queued(a.automationId, 1);
    const [entry] = (await queue(api, a.automationId)).items;
    const due = new Date(entry!.dueAt);
    expect(new Date(due.getTime() + 9 * 3_600_000).getUTCDay()).toBe(4);
    expect(new Date(due.getTime() + 9 * 3_600_000).toISOString().slice(11, 16)).toBe('10:00');
    clock.set(new Date(due.getTime() + 1_000));
    expect(await waitFor(() => mailsTo(app, 'thu@example.com'), (m) => m.length === 1)).toHaveLength(1);
  });

  it('A4: recurrence queues the next send a day later; a new trigger moves it to its own time', async () => {
    const listId = await createList(api, 'repeat');
    const a = await started(api, listId, { subject: 'Daily', recurrence: 'daily', triggers: [{ type: 'api' }], allowDuplicates: true });
    await add(api, listId, [{ email: 'daily@example.com' }]);
    const first = clock.now();
    await api.post(a.apiEndpoint!, { subscriber: 'daily@example.com' });
    await waitFor(() => mailsTo(app, 'daily@example.com'), (m) => m.length === 1);
    const [next] = (await queued(a.automationId, 1)).map((p) => p.dueAt);
    const day = 86_400_000;
    expect(Math.abs(new Date(next!).getTime() - (Math.floor(first.getTime() / 60_000) * 60_000 + day))).toBeLessThanOrEqual(60_000);
    // An hour later the trigger is met again: the repeat moves to a day after that.
    clock.advance(3_600_000);
    await new Promise((r) => setTimeout(r, 400));
    await api.post(a.apiEndpoint!, { subscriber: 'daily@example.com' });
    await waitFor(() => mailsTo(app, 'daily@example.com'), (m) => m.length === 2);
    const after = await waitFor(() => pendingOf(a.automationId), (p) => p.length === 1 && p[0]!.dueAt !== next);
    expect(after).toHaveLength(1);
    expect(new Date(after[0]!.dueAt).getTime() - new Date(next!).getTime()).toBeGreaterThanOrEqual(59 * 60_000);
    clock.set(new Date(new Date(after[0]!.dueAt).getTime() + 1_000));
    expect(await waitFor(() => mailsTo(app, 'daily@example.com'), (m) => m.length === 3)).toHaveLength(3);
    expect(await waitFor(() => pendingOf(a.automationId), (p) => p.length === 1)).toHaveLength(1);
  });
});

describe('A6 pause', () => {
  it('A6: sends falling due while paused are dropped, also after resume; window-held ones go out when the window opens', async () => {
    const listId = await createList(api, 'pause');
    const delayed = await started(api, listId, { subject: 'Delayed', delay: { value: 30, unit: 'minutes' } });
    // A window of one hour a day starting in two hours (Seoul).
    const seoulNow = new Date(clock.now().getTime() + 9 * 3_600_000);
    const opens = (seoulNow.getUTCHours() + 2) % 24;
    const hh = String(opens).padStart(2, '0');
    const windowed = await started(api, listId, { subject: 'Windowed', sendWindow: { days: [0, 1, 2, 3, 4, 5, 6], from: `${hh}:00`, to: `${hh}:59` } });
    await add(api, listId, [{ email: 'pause@example.com' }]);
    await queued(delayed.automationId, 1);
    await queued(windowed.automationId, 1);
    const windowDue = new Date((await queue(api, windowed.automationId)).items[0]!.dueAt);
    // Pause both; the delayed send falls due during the pause.
    await act(api, delayed.automationId, 'pause');
    await act(api, windowed.automationId, 'pause');
    clock.advance(31 * 60_000);
    await settle();
    await act(api, delayed.automationId, 'resume');
    await act(api, windowed.automationId, 'resume');
    await settle();
    expect(await mailsTo(app, 'pause@example.com')).toHaveLength(0);
    expect((await queue(api, delayed.automationId)).items).toHaveLength(0);
    expect((await dashboard(api, delayed.automationId)).dropped).toBe(1);
    // The windowed send was ready before the pause and only waited for the window.
    clock.set(new Date(windowDue.getTime() + 1_000));
    const got = await waitFor(() => mailsTo(app, 'pause@example.com'), (m) => m.length === 1);
    expect(got.map((m) => m.subject)).toEqual(['Windowed']);
  });

  it('A2/A5: ending an email drops its queue; nothing more is sent', async () => {
    const listId = await createList(api, 'end');
    const a = await started(api, listId, { subject: 'Never', delay: { value: 5, unit: 'minutes' } });
    await add(api, listId, [{ email: 'end@example.com' }]);
    await queued(a.automationId, 1);
    await act(api, a.automationId, 'end');
    expect(await pendingOf(a.automationId)).toHaveLength(0);
    clock.advance(6 * 60_000);
    await settle();
    expect(await mailsTo(app, 'end@example.com')).toHaveLength(0);
  });
});

describe('A7 at most once', () => {
  it('A7: two dispatchers at once, and one running twice for the same minute, send each email once', async () => {
    const listId = await createList(api, 'race');
    const a = await started(api, listId, { subject: 'Race', delay: { value: 10, unit: 'minutes' } });
    const emails = Array.from({ length: 60 }, (_, i) => ({ email: `race${i}@example.com` }));
    await add(api, listId, emails);
    const items = await queued(a.automationId, 60);
    const due = new Date(items[0]!.dueAt);
    // Stop the embedded scheduler's own run from racing in: take its entry for the minute away
    // first, and every other due entry (any dispatch sends everything overdue, issue 12).
    const entry = `due-${minuteOf(due).replace(/:/g, '')}`;
    await waitFor(() => app.runtime.scheduler.entries().some((e) => e.name === entry), Boolean);
    await removeDueEntries();
    clock.set(new Date(due.getTime() + 1_000));
    const deps = app.runtime.deps;
    const results = await Promise.all([dispatchMinute(deps, minuteOf(due)), dispatchMinute(deps, minuteOf(due)), sendPending(deps, items)]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(60);
    expect((await dispatchMinute(deps, minuteOf(due))).sent).toBe(0);
    // The outbox parsed once, counted per recipient (60 parses of it each took most of the test's time).
    const sentTo = (await mails(app)).map((m) => String((m.to as { text: string }).text));
    for (const { email } of emails) expect(sentTo.filter((t) => t === email)).toHaveLength(1);
    expect((await dashboard(api, a.automationId)).sent).toBe(60);
  });

  it('A7: a mailer that fails after sending is not retried: the send is recorded failed, never sent twice', async () => {
    const listId = await createList(api, 'flaky');
    const a = await started(api, listId, { subject: 'Flaky', delay: { value: 10, unit: 'minutes' } });
    await add(api, listId, [{ email: 'flaky@example.com' }]);
    const items = await queued(a.automationId, 1);
    const entry = `due-${minuteOf(new Date(items[0]!.dueAt)).replace(/:/g, '')}`;
    await waitFor(() => app.runtime.scheduler.entries().some((e) => e.name === entry), Boolean);
    await removeDueEntries();
    let calls = 0;
    const flaky: Mailer = {
      send: async (mail) => {
        calls++;
        await app.runtime.deps.mailer.send(mail); // it went out...
        throw new Error('connection reset after DATA'); // ...but the answer was lost
      },
    };
    clock.set(new Date(new Date(items[0]!.dueAt).getTime() + 1_000));
    const deps = { ...app.runtime.deps, mailer: flaky };
    await sendPending(deps, items);
    await sendPending(deps, items);
    await dispatchMinute(deps, minuteOf(new Date(items[0]!.dueAt)));
    expect(calls).toBe(1);
    expect(await mailsTo(app, 'flaky@example.com')).toHaveLength(1);
    const d = await dashboard(api, a.automationId);
    expect(d).toMatchObject({ failed: 1, sent: 0, queued: 0 });
    expect(d.recentFailures).toEqual([expect.objectContaining({ email: 'flaky@example.com', reason: 'connection reset after DATA' })]);
  });

  it('A7/R2: a worker that dies after queueing a send due now loses nothing: the safety-net entry sends it, once', async () => {
    const listId = await createList(api, 'crash');
    const a = await started(api, listId, { subject: 'Survivor', triggers: [{ type: 'api' }] });
    await add(api, listId, [{ email: 'survivor@example.com' }]);
    const pointer = await app.runtime.deps.db.send(new GetCommand({ TableName: app.runtime.deps.tableName, Key: keys.automationPointer(a.automationId) }));
    const { workspaceId } = pointer.Item as { workspaceId: string };
    // The worker's first half only: facts → pending send; it "dies" before sending.
    const due = await evaluateFacts(app.runtime.deps, {
      eventId: 'crash-1',
      workspaceId,
      listId,
      occurredAt: clock.now().toISOString(),
      facts: [{ kind: 'api', automationId: a.automationId, email: 'survivor@example.com', vars: {} }],
    });
    expect(due).toHaveLength(1);
    await settle();
    expect(await mailsTo(app, 'survivor@example.com')).toHaveLength(0);
    // Two minutes on, the safety-net entry (made before the send was queued) finds it.
    clock.advance(2 * 60_000 + 1_000);
    expect(await waitFor(() => mailsTo(app, 'survivor@example.com'), (m) => m.length === 1)).toHaveLength(1);
    // Replaying the same event (the worker's retry) queues nothing new.
    expect(await evaluateFacts(app.runtime.deps, { eventId: 'crash-1', workspaceId, listId, occurredAt: clock.now().toISOString(), facts: [{ kind: 'api', automationId: a.automationId, email: 'survivor@example.com', vars: {} }] })).toHaveLength(0);
    await settle();
    expect(await mailsTo(app, 'survivor@example.com')).toHaveLength(1);
  });
});
