/**
 * SPEC A5-A8: the dispatcher. Whatever runs it (a Scheduler entry for a due minute, a worker
 * that just queued sends due now, "send now" from the queue), each pending send is claimed by
 * one transaction that deletes it from the queue and creates its send record; only the claimer
 * calls the mailer, and a send record is never claimed again. So a send is made at most once
 * even when two dispatchers run at once, one runs twice, or the mailer fails after sending.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { batchGet, batchWrite, chunk, queryAll } from '#shared/db/batch';
import { DUE_SHARDS, SUBSCRIBER_SHARDS, keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import type { DispatchEvent } from '#shared/ports/scheduler';
import { toSubscriberRecord, type SubscriberRecord } from '#shared/subscribers/record';
import type { ListRecord } from '#shared/lists/model';
import { batchPartition } from '#shared/subscribers/store';
import { logger } from '#shared/logger';
import type { AutomationFact } from './facts';
import type { AutomationRecord } from './model';
import { addStats, applyTransition, automationById, getAutomation } from './automations';
import { renderMail, urlHash } from './render';
import {
  enqueueFires,
  loadList,
  pendingItemOf,
  scheduleDueMinute,
  sendIdOf,
  workspaceAutomations,
  type PendingItem,
} from './triggers';
import { addWallMinutes, instantOf, minuteOf, nextOpening, nextRecurrence, wallOf } from './time';

export type DispatchDeps = Deps;

/** Sends mailed at once per chunk of 49, and chunks in flight at once, per dispatcher. */
const MAIL_CONCURRENCY = 16;
const CHUNK_CONCURRENCY = 4;
/** A due-minute dispatch also looks this many minutes back, for entries that ran late or failed. */
const LOOK_BACK_MINUTES = 5;

export async function runDispatch(deps: DispatchDeps, event: DispatchEvent): Promise<{ sent: number }> {
  switch (event.kind) {
    case 'due':
      return dispatchMinute(deps, event.minute);
    case 'start':
    case 'end':
      await scheduledTransition(deps, event.kind, event.automationId);
      return { sent: 0 };
    case 'anniversary':
      return anniversaryScan(deps, event.automationId);
  }
}

/** Everything due up to the end of `minute` (and a few minutes before it, in case a run was missed). */
export async function dispatchMinute(deps: DispatchDeps, minute: string): Promise<{ sent: number }> {
  const start = new Date(`${minute}:00.000Z`).getTime();
  const partitions: string[] = [];
  for (let back = LOOK_BACK_MINUTES; back >= 0; back--) {
    const m = minuteOf(new Date(start - back * 60_000));
    for (let s = 0; s < DUE_SHARDS; s++) partitions.push(keys.duePartition(m, s));
  }
  const found = await Promise.all(
    partitions.map((pk) =>
      queryAll(deps.db, {
        TableName: deps.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    ),
  );
  const items = found.flat() as unknown as PendingItem[];
  return sendPending(deps, items);
}

interface Loaded {
  automations: Map<number, AutomationRecord | undefined>;
  lists: Map<number, ListRecord | undefined>;
}

async function load(deps: DispatchDeps, items: readonly PendingItem[]): Promise<Loaded> {
  const automations = new Map<number, AutomationRecord | undefined>();
  const lists = new Map<number, ListRecord | undefined>();
  for (const item of items) {
    if (!automations.has(item.automationId)) automations.set(item.automationId, await getAutomation(deps, item.listId, item.automationId));
    if (!lists.has(item.listId)) lists.set(item.listId, await loadList(deps, item.listId));
  }
  return { automations, lists };
}

const inPause = (a: AutomationRecord, at: string) => a.pauses.some((p) => p.from <= at && (!p.to || at < p.to));

/**
 * Sends the given pending sends that are due. `force` ("send now" from the queue) sends before
 * the due time and outside the send window.
 */
export async function sendPending(deps: DispatchDeps, items: readonly PendingItem[], options: { force?: boolean } = {}): Promise<{ sent: number }> {
  if (!items.length) return { sent: 0 };
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const { automations, lists } = await load(deps, items);
  const checks = items.filter((i) => i.type === 'check' && (options.force || i.dueAt <= nowIso));
  const sends = items.filter((i) => i.type === 'pending' && (options.force || i.dueAt <= nowIso));
  if (checks.length) await runChecks(deps, checks, automations);

  const drop: PendingItem[] = [];
  const hold: PendingItem[] = [];
  const ready: PendingItem[] = [];
  for (const item of sends) {
    const a = automations.get(item.automationId);
    if (!a || !lists.get(item.listId) || a.state === 'ended' || a.state === 'draft' || a.state === 'scheduled') drop.push(item);
    else if (options.force) ready.push(item);
    // SPEC A6: a send that fell due while paused is dropped, also once resumed.
    else if (inPause(a, item.readyAt)) drop.push(item);
    // Fell due before the pause and waited only for the window: it waits for the next opening.
    else if (a.state === 'paused') (a.sendWindow ? hold : drop).push(item);
    else ready.push(item);
  }

  // Only subscribed members are sent to (A5); the others' sends are dropped.
  const subscribers = new Map<string, SubscriberRecord>();
  const byList = new Map<number, PendingItem[]>();
  for (const item of ready) byList.set(item.listId, [...(byList.get(item.listId) ?? []), item]);
  for (const [listId, group] of byList) {
    const list = lists.get(listId)!;
    const found = await batchGet(deps.db, deps.tableName, group.map((i) => keys.subscriber(listId, list.gen, i.email)));
    for (const item of found.values()) subscribers.set(`${listId}\u0000${String(item.email)}`, toSubscriberRecord(item));
  }
  const sendable: PendingItem[] = [];
  for (const item of ready) {
    const s = subscribers.get(`${item.listId}\u0000${item.email}`);
    (s?.status === 'subscribed' ? sendable : drop).push(item);
  }

  await Promise.all([dropItems(deps, drop), holdItems(deps, hold, automations, now)]);
  // Sent / failed facts matter only to emails that watch these (their triggers or checks): asked once per dispatch.
  const watched = sendable.length ? await watchedIds(deps, [...new Set(sendable.map((i) => i.workspaceId))]) : new Set<number>();
  let sent = 0;
  const failures: unknown[] = [];
  const parts = chunk(sendable, 49);
  let next = 0;
  const worker = async () => {
    while (next < parts.length) {
      const part = parts[next++]!;
      // One chunk's failure (issue 12) stops neither the other chunks nor the other tenants' sends.
      try {
        const claimed = await claim(deps, part, nowIso);
        // Awaited before the addition: `sent += await …` would add to a stale `sent` read before another chunk's.
        const mailed = await mailAll(deps, claimed, automations, lists, subscribers, watched);
        sent += mailed;
      } catch (error) {
        failures.push(error);
        logger.error('dispatch: chunk failed', { sends: part.length, automationIds: [...new Set(part.map((i) => i.automationId))], error: error as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHUNK_CONCURRENCY, parts.length) }, worker));
  // The run fails after the others were sent, so its scheduler entry is tried again.
  if (failures.length) throw new AggregateError(failures, `${failures.length} of ${parts.length} send chunks failed`);
  return { sent };
}

async function dropItems(deps: DispatchDeps, items: readonly PendingItem[]) {
  const byAutomation = new Map<number, number>();
  await Promise.all(
    items.map(async (item) => {
      const res = await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { PK: item.PK, SK: item.SK }, ReturnValues: 'ALL_OLD' }));
      if (res.Attributes) byAutomation.set(item.automationId, (byAutomation.get(item.automationId) ?? 0) + 1);
    }),
  );
  for (const [id, n] of byAutomation) await addStats(deps, id, { queued: -n, dropped: n });
}

/** Moves window-held sends of a paused email to the window's next opening. */
async function holdItems(deps: DispatchDeps, items: readonly PendingItem[], automations: Loaded['automations'], now: Date) {
  for (const item of items) {
    const a = automations.get(item.automationId)!;
    const next = nextOpening(instantOf(addWallMinutes(wallOf(now, a.timeZone), 1), a.timeZone), a.sendWindow, a.timeZone);
    const moved: PendingItem = { ...item, ...keys.pendingSend(item.automationId, next.toISOString(), item.sendId), ...keys.dueGsi(minuteOf(next), item.sendId), dueAt: next.toISOString() };
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: deps.tableName, Key: { PK: item.PK, SK: item.SK }, ConditionExpression: 'attribute_exists(PK)' } },
            { Put: { TableName: deps.tableName, Item: moved as unknown as Record<string, unknown> } },
            {
              Update: {
                TableName: deps.tableName,
                Key: keys.automationSubscriber(item.automationId, item.email),
                UpdateExpression: 'SET pending.#id = :sk',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeNames: { '#id': item.sendId },
                ExpressionAttributeValues: { ':sk': moved.SK },
              },
            },
          ],
        }),
      );
      await scheduleDueMinute(deps, minuteOf(next));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
    }
  }
}

/**
 * Takes the sends off the queue and records them as being sent, in one transaction for all or,
 * when another dispatcher took some, one each. Returns what this dispatcher now owns.
 */
async function claim(deps: DispatchDeps, items: readonly PendingItem[], nowIso: string): Promise<PendingItem[]> {
  const writesOf = (item: PendingItem) => [
    { Delete: { TableName: deps.tableName, Key: { PK: item.PK, SK: item.SK }, ConditionExpression: 'attribute_exists(PK)' } },
    {
      Put: {
        TableName: deps.tableName,
        Item: {
          ...keys.send(item.sendId),
          type: 'send',
          status: 'sending',
          automationId: item.automationId,
          listId: item.listId,
          workspaceId: item.workspaceId,
          email: item.email,
          dueAt: item.dueAt,
          claimedAt: nowIso,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
  ];
  let batch = [...items];
  for (let attempt = 0; attempt < 2 && batch.length; attempt++) {
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: batch.flatMap(writesOf) }));
      return batch;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
    }
    // Another dispatcher took some: the rest are tried together once more, then one by one.
    const still = await batchGet(deps.db, deps.tableName, batch.map((i) => ({ PK: i.PK, SK: i.SK })));
    batch = batch.filter((i) => still.has(`${i.PK}\u0000${i.SK}`));
  }
  const owned: PendingItem[] = [];
  await Promise.all(
    batch.map(async (item) => {
      try {
        await deps.db.send(new TransactWriteCommand({ TransactItems: writesOf(item) }));
        owned.push(item);
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
      }
    }),
  );
  return owned;
}

async function mailAll(
  deps: DispatchDeps,
  claimed: readonly PendingItem[],
  automations: Loaded['automations'],
  lists: Loaded['lists'],
  subscribers: Map<string, SubscriberRecord>,
  watched: ReadonlySet<number>,
): Promise<number> {
  if (!claimed.length) return 0;
  const results: Array<{ item: PendingItem; ok: boolean; reason?: string; messageId?: string; at: string }> = [];
  let next = 0;
  const worker = async () => {
    while (next < claimed.length) {
      const item = claimed[next++]!;
      const a = automations.get(item.automationId)!;
      const list = lists.get(item.listId)!;
      const subscriber = subscribers.get(`${item.listId}\u0000${item.email}`)!;
      try {
        const mail = renderMail(deps, { automation: a, list, subscriber, sendId: item.sendId, vars: item.vars });
        const { messageId } = await deps.mailer.send(mail);
        results.push({ item, ok: true, messageId, at: deps.clock.now().toISOString() });
      } catch (error) {
        // Not retried: the mailer may have sent before failing (at most once, SPEC A7).
        results.push({ item, ok: false, reason: error instanceof Error ? error.message.slice(0, 300) : String(error), at: deps.clock.now().toISOString() });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAIL_CONCURRENCY, claimed.length) }, worker));

  await batchWrite(
    deps.db,
    deps.tableName,
    results.map(({ item, ok, reason, messageId, at }) => ({
      put: {
        ...keys.send(item.sendId),
        type: 'send',
        status: ok ? 'sent' : 'failed',
        automationId: item.automationId,
        listId: item.listId,
        workspaceId: item.workspaceId,
        email: item.email,
        dueAt: item.dueAt,
        at,
        ...(messageId ? { messageId } : {}),
        ...(ok ? {} : { reason: reason ?? 'unknown', ...keys.failedSendGsi(item.automationId, at, item.sendId) }),
      },
    })),
  );
  const perAutomation = new Map<number, { sent: number; failed: number }>();
  for (const r of results) {
    const s = perAutomation.get(r.item.automationId) ?? { sent: 0, failed: 0 };
    if (r.ok) s.sent++;
    else s.failed++;
    perAutomation.set(r.item.automationId, s);
  }
  for (const [id, s] of perAutomation) await addStats(deps, id, { queued: -(s.sent + s.failed), sent: s.sent, failed: s.failed });

  await repeat(deps, results.filter((r) => r.ok).map((r) => r.item), automations, subscribers);
  await emitEmailFacts(
    deps,
    results
      .filter((r) => watched.has(r.item.automationId))
      .map((r) => ({ kind: r.ok ? 'emailSent' : 'emailFailed', automationId: r.item.automationId, email: r.item.email, sendId: r.item.sendId, listId: r.item.listId, workspaceId: r.item.workspaceId })),
  );
  return results.filter((r) => r.ok).length;
}

/** SPEC A4 recurrence: after a send, the subscriber's next one is queued a day, week or month later. */
async function repeat(deps: DispatchDeps, sent: readonly PendingItem[], automations: Loaded['automations'], subscribers: Map<string, SubscriberRecord>) {
  const now = deps.clock.now();
  for (const item of sent) {
    const a = automations.get(item.automationId)!;
    if (!a.recurrence) continue;
    const base = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    const readyAt = nextRecurrence(base, a.recurrence, a.timeZone);
    const dueAt = nextOpening(readyAt, a.sendWindow, a.timeZone);
    const subscriber = subscribers.get(`${item.listId}\u0000${item.email}`)!;
    const next = pendingItemOf(a, subscriber, sendIdOf('repeat', item.sendId), readyAt, dueAt, new Date(item.triggeredAt), item.vars);
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: deps.tableName, Item: next as unknown as Record<string, unknown>, ConditionExpression: 'attribute_not_exists(PK)' } },
            {
              Update: {
                TableName: deps.tableName,
                Key: keys.automationSubscriber(a.automationId, item.email),
                // A new trigger since this send moved the repeat already (its pending entry is gone).
                UpdateExpression: 'REMOVE pending.#old SET pending.#id = :sk',
                ConditionExpression: 'attribute_exists(pending.#old)',
                ExpressionAttributeNames: { '#id': next.sendId, '#old': item.sendId },
                ExpressionAttributeValues: { ':sk': next.SK },
              },
            },
          ],
        }),
      );
      await addStats(deps, a.automationId, { queued: 1 });
      await scheduleDueMinute(deps, minuteOf(dueAt));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
    }
  }
}

/** Ids of the automated emails that some running email of these workspaces watches. */
async function watchedIds(deps: DispatchDeps, workspaceIds: readonly string[]): Promise<Set<number>> {
  const ids = new Set<number>();
  for (const ws of workspaceIds) {
    for (const a of await workspaceAutomations(deps, ws)) {
      if (a.state !== 'running') continue;
      for (const t of a.triggers) if ('automationId' in t) ids.add(t.automationId);
    }
  }
  return ids;
}

type EmailFactOut = AutomationFact & { listId: number; workspaceId: string };

/** Sent / failed / opened / clicked facts go through the outbox, like subscriber facts, to the events worker. */
export async function emitEmailFacts(deps: Pick<Deps, 'db' | 'tableName' | 'clock'>, facts: readonly EmailFactOut[]): Promise<void> {
  if (!facts.length) return;
  const occurredAt = deps.clock.now().toISOString();
  const byList = new Map<number, EmailFactOut[]>();
  for (const f of facts) byList.set(f.listId, [...(byList.get(f.listId) ?? []), f]);
  for (const [listId, group] of byList) {
    for (const part of chunk(group, 200)) {
      const batchId = randomUUID();
      const eventId = randomUUID();
      const partition = batchPartition(batchId);
      await batchWrite(deps.db, deps.tableName, [
        {
          put: {
            ...keys.event(partition, `${occurredAt}#${batchId}`, eventId),
            type: 'event',
            batchId,
            eventId,
            workspaceId: part[0]!.workspaceId,
            listId,
            eventOccurredBy: 'SUBSCRIBER',
            occurredAt,
            changes: [],
            facts: part.map(({ listId: _l, workspaceId: _w, ...fact }) => fact),
          },
        },
        { put: { ...keys.event(partition, `${occurredAt}#${batchId}`, '~seal'), type: 'eventSeal', batchId } },
      ]);
    }
  }
}

/** Not-opened / not-clicked checks (A3): the watched send got no open (click) in time → the trigger is met. */
async function runChecks(deps: DispatchDeps, checks: readonly PendingItem[], automations: Loaded['automations']) {
  for (const item of checks) {
    const res = await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { PK: item.PK, SK: item.SK }, ReturnValues: 'ALL_OLD' }));
    if (!res.Attributes || !item.check) continue; // another dispatcher took it
    const a = automations.get(item.automationId);
    if (!a || a.state !== 'running') continue;
    const key = item.check.kind === 'open' ? keys.sendOpen(item.check.sendId) : keys.sendClick(item.check.sendId, item.check.url ? urlHash(item.check.url) : 'ANY');
    const seen = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }));
    if (seen.Item) continue;
    const due = await enqueueFires(deps, a, [{ email: item.email, triggerIndex: item.check.triggerIndex, at: new Date(item.dueAt), onceKey: `t${item.check.triggerIndex}` }], item.sendId);
    if (due.length) await sendPending(deps, due);
  }
}

/** A scheduled start or end time has come (A2): the transition happens if the email still waits for it. */
async function scheduledTransition(deps: DispatchDeps, kind: 'start' | 'end', automationId: number) {
  const a = await automationById(deps, automationId);
  if (!a) return;
  const now = deps.clock.now();
  try {
    if (kind === 'start' && a.state === 'scheduled' && a.startAt && new Date(a.startAt) <= now) await applyTransition(deps, a, 'begin');
    if (kind === 'end' && (a.state === 'running' || a.state === 'paused') && a.endAt && new Date(a.endAt) <= now) await applyTransition(deps, a, 'end');
  } catch (error) {
    logger.warn('scheduled transition not applied', { automationId, kind, error: error as Error });
  }
}

/**
 * The daily anniversary scan (A3): subscribers whose date field's month and day are `daysBefore`
 * days from today get the email, once a year.
 */
export async function anniversaryScan(deps: DispatchDeps, automationId: number): Promise<{ sent: number }> {
  const a = await automationById(deps, automationId);
  if (!a || a.state !== 'running') return { sent: 0 };
  const list = await loadList(deps, a.listId);
  if (!list) return { sent: 0 };
  const now = deps.clock.now();
  let sent = 0;
  const failures: unknown[] = [];
  for (const [index, t] of a.triggers.entries()) {
    if (t.type !== 'anniversary') continue;
    const target = wallOf(instantOf(addWallMinutes(wallOf(now, a.timeZone), t.daysBefore * 1440), a.timeZone), a.timeZone);
    const monthDay = `-${String(target.mo).padStart(2, '0')}-${String(target.d).padStart(2, '0')}`;
    for (let shard = 0; shard < SUBSCRIBER_SHARDS; shard++) {
      const items = await queryAll(deps.db, {
        TableName: deps.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.subscriberStatusPartition(list.listId, list.gen, shard, 'subscribed') },
      });
      const fires = items
        .filter((s) => String((s.fields as Record<string, unknown> | undefined)?.[t.field] ?? '').slice(4, 10) === monthDay)
        .map((s) => ({ email: String(s.email), triggerIndex: index, at: now, onceKey: `anniversary:${index}:${target.y}` }));
      if (!fires.length) continue;
      // A shard that fails (issue 12) does not cost the other shards their anniversaries.
      try {
        const due = await enqueueFires(deps, a, fires, `anniversary:${a.automationId}:${minuteOf(now)}:${shard}`);
        sent += (await sendPending(deps, due)).sent;
      } catch (error) {
        failures.push(error);
        logger.error('anniversary scan: shard failed', { automationId, shard, error: error as Error });
      }
    }
  }
  // Tried again by its scheduler entry: a subscriber already sent this year's email is not sent it twice.
  if (failures.length) throw new AggregateError(failures, `anniversary scan: ${failures.length} shards failed`);
  return { sent };
}
