/**
 * SPEC A5-A8: the dispatcher. Whatever runs it (a Scheduler entry for a due minute, a worker
 * that just queued sends due now, "send now" from the queue), each pending send is claimed by
 * one transaction that deletes it from the queue and creates its send record; only the claimer
 * calls the mailer. So a send is made at most once even when two dispatchers run at once, one
 * runs twice, or the mailer fails after sending.
 *
 * Issue 12: nothing claimed is left behind. A claim carries a lease; a dispatcher that dies
 * before recording the result leaves its sends `sending` with a lease that ends, and the sweeper
 * (every dispatch, and the local runtime at start) finishes them: sent, when the mailer's record
 * of the send's idempotency key says so, or mailed now. Transient mailer failures are retried with
 * back-off until a deadline (send-policy.ts). Every figure moves in the transaction of its change.
 */
import { writeIf } from '#shared/db/conditional';
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { writeSearchTokens } from './queue-search';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { batchGet, batchWrite, chunk, queryAll } from '#shared/db/batch';
import { DUE_SHARDS, SUBSCRIBER_SHARDS, keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import type { DispatchEvent } from '#shared/ports/scheduler';
import { decideTakeover, holderGone, lookupInterrupted, mailOnce } from '#shared/sending/claim';
import { toSubscriberRecord, type SubscriberRecord } from '#shared/subscribers/record';
import type { ListRecord } from '#shared/lists/model';
import { batchPartition } from '#shared/subscribers/store';
import { logger } from '#shared/logger';
import { crashAt } from '#shared/faults/crash-at';
import type { AutomationFact } from './facts';
import type { AutomationRecord } from './model';
import { applyTransition, automationById, getAutomation } from './automations';
import { commitCounted, statsWrite, type CountedUnit, type Tx } from './figures';
import { renderMail, urlHash } from './render';
import { isVerifiedSender } from '#shared/senders/senders';
import { regularSendSeen } from '#shared/emails/logs';
import { LEASE_MARGIN_MS, SEND_LEASE_MS, nextAttemptAt } from './send-policy';
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
import { claimedRecordOf, type SendingRecord } from './send-record';
import { countSends } from '#shared/metrics/sends';

export type { SendingRecord };

export type DispatchDeps = Deps;

/** Sends mailed at once per claimed chunk, and chunks in flight at once, per dispatcher. */
const MAIL_CONCURRENCY = 16;
const CHUNK_CONCURRENCY = 4;
/** 48 sends = 96 items, beside the figures item, in one claim transaction. */
const CLAIM_CHUNK = 48;

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

/**
 * Everything due up to the end of `minute`, however long ago it fell due (the due index is sorted
 * by time, issue 12), and every send whose lease or retry time has come.
 */
export async function dispatchMinute(deps: DispatchDeps, minute: string): Promise<{ sent: number }> {
  const swept = await sweepSends(deps);
  const found = await Promise.all(
    Array.from({ length: DUE_SHARDS }, (_, s) =>
      queryAll(deps.db, {
        TableName: deps.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK <= :end',
        ExpressionAttributeValues: { ':pk': keys.duePartition(s), ':end': `${minute}:59.999Z~` },
      }),
    ),
  );
  const items = found.flat() as unknown as PendingItem[];
  const { sent } = await sendPending(deps, items);
  return { sent: sent + swept.sent };
}

interface Loaded {
  automations: Map<number, AutomationRecord | undefined>;
  lists: Map<number, ListRecord | undefined>;
}

async function load(deps: DispatchDeps, items: ReadonlyArray<{ automationId: number; listId: number }>): Promise<Loaded> {
  const automations = new Map<number, AutomationRecord | undefined>();
  const lists = new Map<number, ListRecord | undefined>();
  for (const item of items) {
    if (!automations.has(item.automationId)) automations.set(item.automationId, await getAutomation(deps, item.listId, item.automationId));
    if (!lists.has(item.listId)) lists.set(item.listId, await loadList(deps, item.listId));
  }
  return { automations, lists };
}

/** The subscribers of these items in their list's current generation, by list and email. */
async function loadSubscribers(deps: DispatchDeps, items: ReadonlyArray<{ listId: number; email: string }>, lists: Loaded['lists']) {
  const subscribers = new Map<string, SubscriberRecord>();
  const byList = new Map<number, string[]>();
  for (const item of items) byList.set(item.listId, [...(byList.get(item.listId) ?? []), item.email]);
  for (const [listId, emails] of byList) {
    const list = lists.get(listId);
    if (!list) continue;
    const found = await batchGet(deps.db, deps.tableName, emails.map((e) => keys.subscriber(listId, list.gen, e)));
    for (const item of found.values()) subscribers.set(`${listId}\u0000${String(item.email)}`, toSubscriberRecord(item));
  }
  return subscribers;
}

const subscriberKey = (item: { listId: number; email: string }) => `${item.listId}\u0000${item.email}`;

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
  const subscribers = await loadSubscribers(deps, ready, lists);
  const sendable: PendingItem[] = [];
  for (const item of ready) (subscribers.get(subscriberKey(item))?.status === 'subscribed' ? sendable : drop).push(item);

  await Promise.all([dropItems(deps, drop), holdItems(deps, hold, automations, now)]);
  // Sent / failed facts matter only to emails that watch these (their triggers or checks): asked once per dispatch.
  const watched = sendable.length ? await watchedIds(deps, [...new Set(sendable.map((i) => i.workspaceId))]) : new Set<number>();
  const byAutomation = new Map<number, PendingItem[]>();
  for (const item of sendable) byAutomation.set(item.automationId, [...(byAutomation.get(item.automationId) ?? []), item]);
  const parts = [...byAutomation.values()].flatMap((group) => chunk(group, CLAIM_CHUNK));
  let sent = 0;
  const failures: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < parts.length) {
      const part = parts[next++]!;
      // One chunk's failure (issue 12) stops neither the other chunks nor the other tenants' sends.
      try {
        const claimed = await claim(deps, part);
        crashAt('send:claimed');
        // Awaited before the addition: `sent += await …` would add to a stale `sent` read before another chunk's.
        const mailed = await mailAndRecord(deps, claimed, { automations, lists, subscribers, watched });
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
  const byAutomation = new Map<number, PendingItem[]>();
  for (const item of items) byAutomation.set(item.automationId, [...(byAutomation.get(item.automationId) ?? []), item]);
  for (const [automationId, group] of byAutomation) {
    const committed = await commitCounted(
      deps,
      automationId,
      group.map((item) => ({
        writes: [{ Delete: { TableName: deps.tableName, Key: { PK: item.PK, SK: item.SK }, ConditionExpression: 'attribute_exists(PK)' } }],
        delta: { queued: -1, dropped: 1 },
      })),
    );
    deps.metrics.add('EmailsDropped', committed.filter(Boolean).length, { Source: 'automation' });
  }
}

/** Moves window-held sends of a paused email to the window's next opening. */
async function holdItems(deps: DispatchDeps, items: readonly PendingItem[], automations: Loaded['automations'], now: Date) {
  for (const item of items) {
    const a = automations.get(item.automationId)!;
    const next = nextOpening(instantOf(addWallMinutes(wallOf(now, a.timeZone), 1), a.timeZone), a.sendWindow, a.timeZone);
    const moved: PendingItem = { ...item, ...keys.pendingSend(item.automationId, next.toISOString(), item.sendId), ...keys.dueGsi(next.toISOString(), item.sendId), dueAt: next.toISOString() };
    // The entry first: the moved send is never without one.
    await scheduleDueMinute(deps, minuteOf(next));
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
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
    }
  }
}


/** The entry that sweeps a lease or retry ending at `until`: the first minute that starts after it. */
const sweepEntry = (deps: DispatchDeps, until: Date) => scheduleDueMinute(deps, minuteOf(new Date(until.getTime() + 60_000)));

/**
 * Takes the sends off the queue and records them as being sent under a lease, with their
 * figures, in one transaction per chunk (one by one for those another dispatcher took first).
 * Returns what this dispatcher now owns.
 */
async function claim(deps: DispatchDeps, items: readonly PendingItem[]): Promise<SendingRecord[]> {
  const now = deps.clock.now();
  const leaseUntil = new Date(now.getTime() + SEND_LEASE_MS);
  // The entry that finds these sends should this process die holding them, before they exist.
  await sweepEntry(deps, leaseUntil);
  const leaseId = randomUUID();
  const records = items.map((item) => claimedRecordOf(item, leaseId, now, leaseUntil));
  const committed = await commitCounted(
    deps,
    items[0]!.automationId,
    items.map((item, i) => ({
      writes: [
        { Delete: { TableName: deps.tableName, Key: { PK: item.PK, SK: item.SK }, ConditionExpression: 'attribute_exists(PK)' } },
        { Put: { TableName: deps.tableName, Item: records[i] as unknown as Record<string, unknown>, ConditionExpression: 'attribute_not_exists(PK)' } },
      ],
      delta: { queued: -1, sending: 1 },
    })),
  );
  return records.filter((_, i) => committed[i]);
}

/** What mailing a claimed send needs: its email, list and subscriber, and which emails' sent facts some trigger watches. */
export interface SendContext {
  automations: Loaded['automations'];
  lists: Loaded['lists'];
  /** By `listId \u0000 email`. */
  subscribers: Map<string, SubscriberRecord>;
  watched: ReadonlySet<number>;
}

/**
 * Issue 16: mails sends their caller claimed itself (the trigger's transaction wrote them
 * `sending`) and records each result, as a dispatcher does for the sends it claims from the
 * queue. This is the pipeline's entry for whatever creates sends due now. `watched` is asked once
 * per deliverer (one batch of facts), not once per chunk.
 */
export function claimedSendDeliverer(deps: DispatchDeps) {
  const watchedOf = new Map<string, Promise<Set<number>>>();
  const senderChecks = new Map<number, Promise<boolean>>();
  return async (records: readonly SendingRecord[], context: Omit<SendContext, 'watched'>): Promise<number> => {
    if (!records.length) return 0;
    const workspaces = [...new Set(records.map((r) => r.workspaceId))];
    const watched = new Set<number>();
    for (const ws of workspaces) {
      if (!watchedOf.has(ws)) watchedOf.set(ws, watchedIds(deps, [ws]));
      for (const id of await watchedOf.get(ws)!) watched.add(id);
    }
    crashAt('send:claimed');
    return mailAndRecord(deps, records, { ...context, watched }, senderChecks);
  };
}

export const subscriberContextKey = (listId: number, email: string) => `${listId}\u0000${email}`;

type Outcome =
  | { kind: 'sent'; messageId?: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'retry'; at: Date; reason: string }
  | { kind: 'dropped' }
  /** Not attempted (its lease was ending): the sweeper's. */
  | { kind: 'skipped' };

/** Mails the sends this dispatcher holds (one automated email's), then records every result. */
async function mailAndRecord(deps: DispatchDeps, records: readonly SendingRecord[], ctx: SendContext, senderChecks = new Map<number, Promise<boolean>>()): Promise<number> {
  if (!records.length) return 0;
  const outcomes = new Map<SendingRecord, Outcome>();
  // Issue 14: never mail from a sender that is not (or no longer) a verified sender of the list,
  // whatever was checked when the email was saved or started (a race with a sender's removal, an
  // email saved before the check). One look-up per automated email and batch: `senderChecks`
  // lives as long as the batch (a dispatch chunk, or one deliverer: one events-worker batch).
  const unverified = new Set<number>();
  for (const automationId of new Set(records.map((r) => r.automationId))) {
    const a = ctx.automations.get(automationId);
    if (!a) continue;
    if (!senderChecks.has(automationId)) {
      const check = isVerifiedSender(deps, { workspaceId: a.workspaceId, listId: a.listId }, a.senderEmail);
      // A look-up that failed is asked again by the next chunk, not remembered.
      check.catch(() => senderChecks.delete(automationId));
      senderChecks.set(automationId, check);
    }
    if (!(await senderChecks.get(automationId)!)) unverified.add(automationId);
  }
  for (const record of records) {
    if (!unverified.has(record.automationId)) continue;
    outcomes.set(record, { kind: 'failed', reason: `SENDER_NOT_VERIFIED: ${ctx.automations.get(record.automationId)!.senderEmail} is not a verified sender of the list` });
  }
  if (unverified.size) logger.warn('sends refused: the sender is not verified for the list', { automationIds: [...unverified] });
  const toMail = records.filter((r) => !unverified.has(r.automationId));
  let next = 0;
  const worker = async () => {
    while (next < toMail.length) {
      const record = toMail[next++]!;
      outcomes.set(record, await mailOne(deps, record, ctx));
      crashAt('send:mailed');
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAIL_CONCURRENCY, toMail.length) }, worker));
  return recordOutcomes(deps, outcomes, ctx);
}

async function mailOne(deps: DispatchDeps, record: SendingRecord, ctx: SendContext): Promise<Outcome> {
  const now = deps.clock.now();
  if (now.getTime() >= Date.parse(record.leaseUntil) - LEASE_MARGIN_MS) return { kind: 'skipped' };
  const a = ctx.automations.get(record.automationId);
  const list = ctx.lists.get(record.listId);
  const subscriber = ctx.subscribers.get(subscriberKey(record));
  if (!a || !list || subscriber?.status !== 'subscribed') return { kind: 'dropped' };
  const tried = await mailOnce(deps, record.sendId, () => renderMail(deps, { automation: a, list, subscriber, sendId: record.sendId, vars: record.vars }), 'automated email');
  if (tried.kind !== 'transient') return tried;
  // Certainly not sent: tried again later, with back-off, until the deadline (send-policy.ts).
  const at = nextAttemptAt(new Date(record.firstAttemptAt), record.attempts + 1, deps.clock.now());
  return at ? { kind: 'retry', at, reason: tried.reason } : { kind: 'failed', reason: `gave up after ${record.attempts + 1} attempts: ${tried.reason}` };
}

/**
 * Records outcomes, each conditioned on the lease it was attempted under (a sweeper that took the
 * send over meanwhile records it, not this dispatcher), with the figures and, for watched emails,
 * the sent / failed facts in the same transaction. Returns how many were recorded sent.
 */
async function recordOutcomes(deps: DispatchDeps, outcomes: ReadonlyMap<SendingRecord, Outcome>, ctx: SendContext): Promise<number> {
  const entries = [...outcomes].filter(([, o]) => o.kind !== 'skipped');
  if (!entries.length) return 0;
  const at = deps.clock.now().toISOString();
  for (const [, o] of entries) if (o.kind === 'retry') await sweepEntry(deps, o.at);
  // A recurring send is recorded with a marker in the lease index until its next send is queued,
  // so a process that dies between the two leaves the repeat to the sweeper (issue 12).
  const repeatAt = new Date(Date.parse(at) + SEND_LEASE_MS);
  const recurs = (record: SendingRecord) => Boolean(ctx.automations.get(record.automationId)?.recurrence && ctx.subscribers.get(subscriberKey(record)));
  if (entries.some(([record, o]) => o.kind === 'sent' && recurs(record))) await sweepEntry(deps, repeatAt);
  const units: Array<CountedUnit & { record: SendingRecord; outcome: Outcome }> = entries.map(([record, outcome]) => {
    const cond = { ConditionExpression: '#s = :sending AND leaseId = :lease', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':sending': 'sending', ':lease': record.leaseId } };
    const base = { ...keys.send(record.sendId), type: 'send', sendId: record.sendId, automationId: record.automationId, listId: record.listId, workspaceId: record.workspaceId, email: record.email, dueAt: record.dueAt, at, attempts: record.attempts + 1 };
    switch (outcome.kind) {
      case 'sent':
        return { record, outcome, delta: { sending: -1, sent: 1 }, writes: [{ Put: { TableName: deps.tableName, Item: { ...base, status: 'sent', ...(outcome.messageId ? { messageId: outcome.messageId } : {}), ...(recurs(record) ? repeatMarker(record, repeatAt) : {}) }, ...cond } }] };
      case 'failed':
        return { record, outcome, delta: { sending: -1, failed: 1 }, writes: [{ Put: { TableName: deps.tableName, Item: { ...base, status: 'failed', reason: outcome.reason, ...keys.failedSendGsi(record.automationId, at, record.sendId) }, ...cond } }] };
      case 'dropped':
        return { record, outcome, delta: { sending: -1, dropped: 1 }, writes: [{ Put: { TableName: deps.tableName, Item: { ...base, status: 'dropped' }, ...cond } }] };
      default: {
        const retryAt = (outcome as { at: Date }).at.toISOString();
        return {
          record,
          outcome,
          delta: {},
          writes: [
            {
              Update: {
                TableName: deps.tableName,
                Key: keys.send(record.sendId),
                UpdateExpression: 'SET notSent = :t, leaseId = :free, leaseUntil = :at, GSI1SK = :sk, attempts = :n, lastError = :e',
                ConditionExpression: cond.ConditionExpression,
                ExpressionAttributeNames: cond.ExpressionAttributeNames,
                ExpressionAttributeValues: {
                  ...cond.ExpressionAttributeValues,
                  ':t': true,
                  ':free': randomUUID(),
                  ':at': retryAt,
                  ':sk': keys.sendLeaseGsi(retryAt, record.sendId).GSI1SK,
                  ':n': record.attempts + 1,
                  ':e': (outcome as { reason: string }).reason,
                },
              },
            },
          ],
        };
      }
    }
  });
  const automationId = units[0]!.record.automationId;
  const watched = ctx.watched.has(automationId);
  const committed = await commitCounted(deps, automationId, units, {
    extraItems: watched ? 2 : 0,
    extra: (members) =>
      watched
        ? factWrites(
            deps.tableName,
            at,
            (members as typeof units)
              .filter((u) => u.outcome.kind === 'sent' || u.outcome.kind === 'failed')
              .map((u) => ({ kind: u.outcome.kind === 'sent' ? 'emailSent' : 'emailFailed', automationId, email: u.record.email, sendId: u.record.sendId, listId: u.record.listId, workspaceId: u.record.workspaceId })),
          )
        : [],
  });
  crashAt('send:recorded');
  countSends(deps.metrics, 'automation', units.filter((_, i) => committed[i]).map((u) => u.outcome));
  const sent = units.filter((u, i) => committed[i] && u.outcome.kind === 'sent').map((u) => u.record);
  crashAt('send:before-repeat');
  await repeat(deps, sent.filter(recurs).map((r) => ({ ...r, status: 'sent' as const, at })), ctx);
  return sent.length;
}

/**
 * The sweeper (issue 12): sends whose lease ended (their dispatcher died) or whose retry is due.
 * An interrupted send is recorded sent when the mailer's record of its key says so (the outbox
 * file, SES's Send event), mailed now when it certainly did not go out, and recorded failed when
 * the mailer cannot tell (SMTP). `claimedBefore` (the local runtime at start, which owns its data
 * dir alone) takes over every send claimed before it started, lease ended or not.
 */
export async function sweepSends(deps: DispatchDeps, options: { claimedBefore?: Date } = {}): Promise<{ sent: number }> {
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const found = await Promise.all(
    Array.from({ length: DUE_SHARDS }, (_, s) =>
      queryAll(deps.db, {
        TableName: deps.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: options.claimedBefore ? 'GSI1PK = :pk' : 'GSI1PK = :pk AND GSI1SK <= :now',
        ExpressionAttributeValues: { ':pk': keys.sendLeasePartition(s), ...(options.claimedBefore ? {} : { ':now': `${nowIso}~` }) },
      }),
    ),
  );
  await repeatMarked(deps, (found.flat() as unknown as RepeatMarked[]).filter((r) => r.status === 'sent' && r.repeatDue === true));
  // A send recorded not sent (waiting for its retry) is taken over at its retry time, not at the runtime's start.
  const due = (found.flat() as unknown as SendingRecord[]).filter((r) => r.status === 'sending' && holderGone(r, now, r.notSent ? undefined : options.claimedBefore));
  if (!due.length) return { sent: 0 };
  logger.info('sweeping sends', { count: due.length });
  const { automations, lists } = await load(deps, due);
  const subscribers = await loadSubscribers(deps, due, lists);
  const watched = await watchedIds(deps, [...new Set(due.map((r) => r.workspaceId))]);
  const ctx: SendContext = { automations, lists, subscribers, watched };
  const byAutomation = new Map<number, SendingRecord[]>();
  for (const r of due) byAutomation.set(r.automationId, [...(byAutomation.get(r.automationId) ?? []), r]);
  let sent = 0;
  for (const group of byAutomation.values()) {
    for (const part of chunk(group, CLAIM_CHUNK)) {
      const decided = new Map<SendingRecord, Outcome>();
      const toMail: SendingRecord[] = [];
      const leaseUntil = new Date(now.getTime() + SEND_LEASE_MS);
      await sweepEntry(deps, leaseUntil);
      await Promise.all(
        part.map(async (r) => {
          const known = await lookupInterrupted(
            deps,
            { sendId: r.sendId, attemptedAt: new Date(r.attemptedAt ?? r.claimedAt), ...(r.acceptedMessageId ? { acceptedMessageId: r.acceptedMessageId } : {}), ...(r.notSent ? { notSent: true } : {}) },
            now,
          );
          const decision = decideTakeover(known);
          if (decision.kind === 'wait') await sweepEntry(deps, decision.until);
          const mine = await takeOver(deps, r, decision.kind === 'wait' ? decision.until : leaseUntil, decision.kind === 'mail');
          if (!mine) return;
          if (decision.kind === 'sent' || decision.kind === 'failed') decided.set(mine, decision);
          else if (decision.kind === 'mail') toMail.push(mine);
        }),
      );
      const known = await recordOutcomes(deps, decided, ctx);
      const mailed = await mailAndRecord(deps, toMail, ctx);
      sent += known + mailed;
    }
  }
  return { sent };
}

/**
 * What the local runtime runs at start (issue 12): it owns its data dir alone, so every send a
 * previous process claimed and never recorded is finished now, and everything overdue (sends
 * whose worker died before it could send them) is sent now rather than at their safety-net entry.
 */
export async function resumeSends(deps: DispatchDeps, startedAt: Date): Promise<{ sent: number }> {
  const swept = await sweepSends(deps, { claimedBefore: startedAt });
  const due = await dispatchMinute(deps, minuteOf(deps.clock.now()));
  return { sent: swept.sent + due.sent };
}

/** Moves a send's lease to this sweeper, if no other took it first. */
async function takeOver(deps: DispatchDeps, r: SendingRecord, until: Date, attempt: boolean): Promise<SendingRecord | undefined> {
  const leaseId = randomUUID();
  const untilIso = until.toISOString();
  const nowIso = deps.clock.now().toISOString();
  const moved = await writeIf(
    deps.db,
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.send(r.sendId),
      UpdateExpression: `SET leaseId = :new, leaseUntil = :until, GSI1SK = :sk${attempt ? ', attemptedAt = :now REMOVE notSent' : ''}`,
      ConditionExpression: '#s = :sending AND leaseId = :old',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':new': leaseId, ':until': untilIso, ':sk': keys.sendLeaseGsi(untilIso, r.sendId).GSI1SK, ':sending': 'sending', ':old': r.leaseId, ...(attempt ? { ':now': nowIso } : {}) },
    }),
  );
  if (!moved) return undefined;
  const { notSent: _n, ...rest } = r;
  return { ...(attempt ? rest : r), leaseId, leaseUntil: untilIso, ...(attempt ? { attemptedAt: nowIso } : {}) };
}

/** A sent record whose next recurring send is not queued yet (`repeatMarker`). */
type RepeatMarked = Pick<SendingRecord, 'sendId' | 'automationId' | 'listId' | 'workspaceId' | 'email' | 'triggeredAt' | 'vars'> & { status: 'sent'; at: string; repeatDue?: true };

/**
 * What a recurring send's record carries from its result until its repeat is queued: the fields
 * the repeat needs and a place in the lease index (`SENDING#`, due `repeatAt`) where the sweeper
 * finds it. A sweep entry at `repeatAt` exists before the record is written.
 */
const repeatMarker = (record: SendingRecord, repeatAt: Date) => ({
  repeatDue: true,
  triggeredAt: record.triggeredAt,
  ...(record.vars ? { vars: record.vars } : {}),
  ...keys.sendLeaseGsi(repeatAt.toISOString(), record.sendId),
});

/** The sweeper's part of recurrence: repeats whose sender died after recording the send. */
async function repeatMarked(deps: DispatchDeps, marked: readonly RepeatMarked[]) {
  if (!marked.length) return;
  logger.info('queueing interrupted repeats', { count: marked.length });
  const { automations, lists } = await load(deps, marked);
  const subscribers = await loadSubscribers(deps, marked, lists);
  await repeat(deps, marked, { automations, lists, subscribers, watched: new Set() });
}

/**
 * SPEC A4 recurrence: after a send, the subscriber's next one is queued a day, week or month
 * later, and the sent record's repeat marker removed in the same transaction.
 */
async function repeat(deps: DispatchDeps, sent: readonly RepeatMarked[], ctx: SendContext) {
  for (const item of sent) {
    const a = ctx.automations.get(item.automationId);
    const subscriber = ctx.subscribers.get(subscriberKey(item));
    if (!a?.recurrence || !subscriber) {
      await clearRepeatMarker(deps, item.sendId);
      continue;
    }
    const base = new Date(Math.floor(Date.parse(item.at) / 60_000) * 60_000);
    const readyAt = nextRecurrence(base, a.recurrence, a.timeZone);
    const dueAt = nextOpening(readyAt, a.sendWindow, a.timeZone);
    const next = pendingItemOf(a, subscriber, sendIdOf('repeat', item.sendId), readyAt, dueAt, new Date(item.triggeredAt), item.vars);
    await scheduleDueMinute(deps, minuteOf(dueAt));
    await writeSearchTokens(deps, [next]); // issue 16: before the send it finds (queue-search.ts)
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
            statsWrite(deps.tableName, a.automationId, { queued: 1 })!,
            {
              Update: {
                TableName: deps.tableName,
                Key: keys.send(item.sendId),
                UpdateExpression: 'REMOVE repeatDue, GSI1PK, GSI1SK',
                ConditionExpression: 'repeatDue = :t',
                ExpressionAttributeValues: { ':t': true },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // Refused by a condition: queued already (a sweeper raced this sender), moved by a new
      // trigger, or the marker is gone. Nothing is left to repeat. A conflict keeps the marker
      // for the sweeper.
      if (!(error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')) throw error;
      await clearRepeatMarker(deps, item.sendId);
    }
  }
}

/** Removes a sent record's repeat marker, if it still has one. */
async function clearRepeatMarker(deps: DispatchDeps, sendId: string) {
  await writeIf(
    deps.db,
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.send(sendId),
      UpdateExpression: 'REMOVE repeatDue, GSI1PK, GSI1SK',
      ConditionExpression: 'repeatDue = :t',
      ExpressionAttributeValues: { ':t': true },
    }),
  );
}

/** Ids of the automated emails that some running email of these workspaces watches. */
async function watchedIds(deps: DispatchDeps, workspaceIds: readonly string[]): Promise<Set<number>> {
  const ids = new Set<number>();
  for (const ws of workspaceIds) {
    for (const a of await workspaceAutomations(deps, ws)) {
      if (a.state !== 'running') continue;
      for (const t of a.triggers) if ('automationId' in t && t.automationId !== undefined) ids.add(t.automationId);
    }
  }
  return ids;
}

export type EmailFactOut = AutomationFact & { listId: number; workspaceId: string };

/** The outbox event (and its seal) carrying these facts of one list, as transaction items (also a regular email's results', shared/emails/deliver.ts). */
export function factWrites(tableName: string, occurredAt: string, facts: readonly EmailFactOut[]): Tx[] {
  const first = facts[0];
  if (!first) return [];
  const batchId = randomUUID();
  const eventId = randomUUID();
  const partition = batchPartition(batchId);
  return [
    {
      Put: {
        TableName: tableName,
        Item: {
          ...keys.event(partition, `${occurredAt}#${batchId}`, eventId),
          type: 'event',
          batchId,
          eventId,
          workspaceId: first.workspaceId,
          listId: first.listId,
          eventOccurredBy: 'SUBSCRIBER',
          occurredAt,
          changes: [],
          facts: facts.map(({ listId: _l, workspaceId: _w, ...fact }) => fact),
        },
      },
    },
    { Put: { TableName: tableName, Item: { ...keys.event(partition, `${occurredAt}#${batchId}`, '~seal'), type: 'eventSeal', batchId } } },
  ];
}

/** Sent / failed / opened / clicked facts go through the outbox, like subscriber facts, to the events worker. */
export async function emitEmailFacts(deps: Pick<Deps, 'db' | 'tableName' | 'clock'>, facts: readonly EmailFactOut[]): Promise<void> {
  if (!facts.length) return;
  const occurredAt = deps.clock.now().toISOString();
  const byList = new Map<number, EmailFactOut[]>();
  for (const f of facts) byList.set(f.listId, [...(byList.get(f.listId) ?? []), f]);
  for (const group of byList.values()) {
    for (const part of chunk(group, 200)) {
      await batchWrite(deps.db, deps.tableName, factWrites(deps.tableName, occurredAt, part).map((w) => ({ put: w.Put!.Item as { PK: string; SK: string } })));
    }
  }
}

async function automatedSendSeen(deps: DispatchDeps, check: NonNullable<PendingItem['check']>): Promise<boolean> {
  const key = check.kind === 'open' ? keys.sendOpen(check.sendId) : keys.sendClick(check.sendId, check.url ? urlHash(check.url) : 'ANY');
  return !!(await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }))).Item;
}

/** Not-opened / not-clicked checks (A3): the watched send got no open (click) in time → the trigger is met. */
async function runChecks(deps: DispatchDeps, checks: readonly PendingItem[], automations: Loaded['automations']) {
  const deliver = claimedSendDeliverer(deps);
  for (const item of checks) {
    const res = await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { PK: item.PK, SK: item.SK }, ReturnValues: 'ALL_OLD' }));
    if (!res.Attributes || !item.check) continue; // another dispatcher took it
    const a = automations.get(item.automationId);
    if (!a || a.state !== 'running') continue;
    // Issue 15: a regular email's opens and clicks are on its recipient's item (shared/emails/logs.ts).
    if (item.check.emailId ? await regularSendSeen(deps, item.check.emailId, item.email, item.check.kind, item.check.url) : await automatedSendSeen(deps, item.check)) continue;
    await enqueueFires(deps, a, [{ email: item.email, triggerIndex: item.check.triggerIndex, at: new Date(item.dueAt), onceKey: `t${item.check.triggerIndex}` }], item.sendId, { deliver });
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
  const deliverer = claimedSendDeliverer(deps);
  const deliver = async (records: readonly SendingRecord[], context: Omit<SendContext, 'watched'>) => {
    sent += await deliverer(records, context);
  };
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
        await enqueueFires(deps, a, fires, `anniversary:${a.automationId}:${minuteOf(now)}:${shard}`, { deliver });
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
