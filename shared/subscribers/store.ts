/**
 * The one path by which subscribers change. For a batch of emails it reads the current items
 * (BatchGet, 100 a call), lets the caller decide each email's fate, and writes the decisions
 * shard by shard in transactions of at most 100 items that also move the shard's status
 * counters, each write conditioned on the version it read. A transaction cancelled by a
 * concurrent writer is re-read, re-decided and retried, so counts stay exact (SPEC R2). When
 * the list has an enabled webhook, each transaction also carries its changes as an outbox event.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { batchGet, backoff, type Key } from '#shared/db/batch';
import { EVENT_PARTITIONS, INDEX_BLOCK, keys, shardOf } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import type { ListRecord } from '#shared/lists/model';
import { subscriberStatuses, type SubscriberStatus } from './status';
import { kstDay } from './v1-format';
import { toSubscriberRecord, type EventOccurredBy, type SubscriberRecord } from './record';
import { changesOf, type OutboxEvent, type SubscriberChange } from '#shared/webhooks/events';
import { subscriberFactsOf, type AutomationFact } from '#shared/automations/facts';
import { ApiError } from '#shared/http/errors';
import { PACKED_ITEM_BUDGET_BYTES, SUBSCRIBER_MAX_BYTES, TRANSACTION_BUDGET_BYTES, jsonBytes, packBySize } from '#shared/db/item-size';
import { faultPoint } from '#shared/runtime/faults';

/**
 * Who caused the writes, for the events they emit (SPEC L10). Without it (or with no enabled
 * webhook on the list) no outbox item is written.
 */
export interface EventContext {
  workspaceId: string;
  eventOccurredBy: EventOccurredBy;
  /** `$unsubscribe_reason` of UNSUBSCRIBED events. */
  reason?: string;
  now: string;
  /** One request's events form one batch: webhooks get one payload per action, as the original sends. */
  batchId: string;
  /** Webhooks want the changes; automated emails want the facts (SPEC A3). */
  wantChanges: boolean;
  wantFacts: boolean;
}

export type Decision<R> =
  | { kind: 'none'; result: R }
  | { kind: 'put'; next: SubscriberRecord; result: R }
  | { kind: 'delete'; result: R };

export interface DecisionInput {
  email: string;
  current: SubscriberRecord | undefined;
  /** Email of the subscriber holding a phone's digits in this list, if any. */
  phoneOwner: (digits: string) => string | undefined;
}

export interface Outcome<R> {
  result: R;
  before?: SubscriberRecord;
  after?: SubscriberRecord;
}

export function eventContextFor(
  ctx: { list: { workspaceId: string }; webhooks: readonly { enabled: boolean }[]; automations?: readonly { state: string }[] },
  eventOccurredBy: EventOccurredBy,
  now: string,
  reason?: string,
): EventContext | undefined {
  const wantChanges = ctx.webhooks.some((w) => w.enabled);
  // Running ones trigger; paused ones still have pending sends that must vanish with their subscriber.
  const wantFacts = (ctx.automations ?? []).some((a) => a.state === 'running' || a.state === 'paused');
  if (!wantChanges && !wantFacts) return undefined;
  return { workspaceId: ctx.list.workspaceId, eventOccurredBy, now, batchId: randomUUID(), wantChanges, wantFacts, ...(reason ? { reason } : {}) };
}

type Tx = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type ListRef = Pick<ListRecord, 'listId' | 'gen'>;

const MAX_TX_ITEMS = 100;
const MAX_ROUNDS = 12;

export function subscriberItem(list: ListRef, s: SubscriberRecord, shard = shardOf(s.email)): Record<string, unknown> {
  const { PK, SK } = keys.subscriber(list.listId, list.gen, s.email, shard);
  const index = s.index ?? { day: kstDay(s.statusAt), pos: 0 };
  const { GSI1PK, GSI1SK } = keys.subscriberGsi(list.listId, list.gen, s.email, s.status, index.day, index.pos, shard);
  // Object.assign, not object spread: V8 builds this item about 40 times faster that way
  // (10 µs → 0.25 µs), which an import pays once per member.
  return Object.assign<Record<string, unknown>, SubscriberRecord>({ PK, SK, GSI1PK, GSI1SK, type: 'subscriber', listId: list.listId }, s);
}

/** The writes one decision needs, besides the shard counter (`shard`: the email's, hashed once by the caller). */
function writesFor(tableName: string, list: ListRef, shard: number, before: SubscriberRecord | undefined, decision: Decision<unknown>): Tx[] {
  const { listId, gen } = list;
  const out: Tx[] = [];
  const versionCondition = before
    ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } }
    : { ConditionExpression: 'attribute_not_exists(PK)' };
  const email = before?.email ?? (decision as { next: SubscriberRecord }).next.email;
  const oldGroups = new Set(before?.groupIds ?? []);
  const newGroups = new Set(decision.kind === 'put' ? decision.next.groupIds : []);
  const oldPhone = before?.phoneDigits;
  const newPhone = decision.kind === 'put' ? decision.next.phoneDigits : undefined;

  if (decision.kind === 'put') {
    out.push({ Put: { TableName: tableName, Item: subscriberItem(list, decision.next, shard), ...versionCondition } });
  } else if (decision.kind === 'delete') {
    out.push({ Delete: { TableName: tableName, Key: keys.subscriber(listId, gen, email, shard), ...versionCondition } });
  }
  if (oldPhone && oldPhone !== newPhone) {
    out.push({
      Delete: {
        TableName: tableName,
        Key: keys.phone(listId, gen, oldPhone),
        ConditionExpression: 'attribute_not_exists(PK) OR email = :e',
        ExpressionAttributeValues: { ':e': email },
      },
    });
  }
  if (newPhone && newPhone !== oldPhone) {
    out.push({
      Put: {
        TableName: tableName,
        Item: { ...keys.phone(listId, gen, newPhone), type: 'phone', email },
        ConditionExpression: 'attribute_not_exists(PK) OR email = :e',
        ExpressionAttributeValues: { ':e': email },
      },
    });
  }
  for (const g of newGroups) {
    if (!oldGroups.has(g)) {
      out.push({ Put: { TableName: tableName, Item: { ...keys.membership(listId, gen, g, email, shard), type: 'membership', email, groupId: g } } });
    }
  }
  for (const g of oldGroups) {
    if (!newGroups.has(g)) out.push({ Delete: { TableName: tableName, Key: keys.membership(listId, gen, g, email, shard) } });
  }
  return out;
}

const statusAfter = (d: Decision<unknown>, before?: SubscriberRecord): SubscriberStatus | undefined =>
  d.kind === 'put' ? d.next.status : d.kind === 'delete' ? undefined : before?.status;

/**
 * How `applyMutations` reads before its first write. `readFirst` (the default) reads every
 * subscriber named. `assumeAbsent` reads only the shards' counter items and decides every email
 * as absent: for deciders that write nothing for a stored subscriber (the v2 batch add without
 * `updateEnabled`), whose first writes are all creates conditioned on `attribute_not_exists`, so
 * a stored one cancels its transaction and is read then, on the retry (docs/data-model.md,
 * "Creates without a read first").
 */
export type FirstRead = 'readFirst' | 'assumeAbsent';

export async function applyMutations<R>(
  deps: Pick<Deps, 'db' | 'tableName'>,
  list: ListRef,
  emails: readonly string[],
  decide: (input: DecisionInput) => Decision<R>,
  /** Phone digits each email may claim, so their owners are read when a write is refused. */
  phonesToCheck: ReadonlyMap<string, string> = new Map(),
  events?: EventContext,
  firstRead: FirstRead = 'readFirst',
): Promise<Map<string, Outcome<R>>> {
  const outcomes = new Map<string, Outcome<R>>();
  const byShard = new Map<number, string[]>();
  // Each email's shard, hashed once (a SHA-1 per key built added up to a tenth of a 1,000-row request's Node CPU).
  const shardOfEmail = new Map<string, number>();
  for (const email of new Set(emails)) {
    const shard = shardOf(email);
    shardOfEmail.set(email, shard);
    const bucket = byShard.get(shard) ?? [];
    bucket.push(email);
    byShard.set(shard, bucket);
  }

  const readState = async (group: readonly string[], withPhones: boolean, withSubscribers = true) => {
    const subKeys: Key[] = withSubscribers ? group.map((e) => keys.subscriber(list.listId, list.gen, e, shardOfEmail.get(e))) : [];
    const phoneDigits = new Set<string>();
    for (const e of withPhones ? group : []) {
      const p = phonesToCheck.get(e);
      if (p) phoneDigits.add(p);
    }
    const phoneKeys: Key[] = [...phoneDigits].map((p) => keys.phone(list.listId, list.gen, p));
    // The shards' counter items hold the status-index sequences (read here, moved by the transactions).
    const groupShards = [...new Set(group.map((e) => shardOfEmail.get(e)!))];
    const counterKeys: Key[] = groupShards.map((sh) => keys.counter(list.listId, list.gen, sh));
    const found = await batchGet(deps.db, deps.tableName, [...subKeys, ...phoneKeys, ...counterKeys]);
    const current = new Map<string, SubscriberRecord>();
    const owners = new Map<string, string>();
    const nextPos = new Map<number, Record<SubscriberStatus, number>>(groupShards.map((sh) => [sh, positionsOf(undefined)]));
    for (const item of found.values()) {
      if (item.type === 'subscriber') current.set(String(item.email), toSubscriberRecord(item));
      else if (item.type === 'phone') owners.set(String(item.PK).split('#').pop()!, String(item.email));
      else if (item.SK === '#COUNT') nextPos.set(Number(String(item.PK).split('#').pop()), positionsOf(item));
    }
    return { current, owners, nextPos };
  };

  // Positions handed to this request's emails, kept across retries of a conflicting transaction.
  const positions = new Map<string, { status: SubscriberStatus; day: string; pos: number }>();
  const decideShard = (shard: number, pending: readonly string[], state: Awaited<ReturnType<typeof readState>>) =>
    pack(deps.tableName, list, shard, placeInIndex(decideAll(pending, state, decide, outcomes), positions, state.nextPos.get(shard)), events);
  // Every shard's first transactions are decided before any is written, so a row the request
  // must refuse (SUBSCRIBER_TOO_LARGE) refuses it with nothing written.
  const decideFirstRound = (state: Awaited<ReturnType<typeof readState>>) =>
    new Map([...byShard.entries()].map(([shard, shardEmails]) => [shard, decideShard(shard, shardEmails, state)]));

  // One read of every subscriber up front (BatchGet chunks run in parallel). Phone owners are
  // not read: the phone guard's write condition catches a taken number, and the retry, which
  // re-reads only what failed, reads the owners too and turns it into failExistPhone.
  let optimistic = firstRead === 'assumeAbsent';
  let firstRound: Map<number, PackedTx<R>[]>;
  if (optimistic) {
    try {
      firstRound = decideFirstRound(await readState([...byShard.values()].flat(), false, false));
    } catch (error) {
      // A row too large to create may be a stored one, which this decider leaves alone: the
      // refusal is decided on what is stored, as without the assumption.
      if (!(error instanceof ApiError && error.code === 'SUBSCRIBER_TOO_LARGE')) throw error;
      optimistic = false;
      positions.clear();
      outcomes.clear();
      firstRound = decideFirstRound(await readState([...byShard.values()].flat(), false));
    }
  } else {
    firstRound = decideFirstRound(await readState([...byShard.values()].flat(), false));
  }

  // A shard that fails stops the others before their next transaction: the request ends soon, with less half-done.
  let stopped = false;
  // Assumed absent, one cancelled transaction (a stored subscriber, or a concurrent writer) is
  // enough: the first-round transactions not yet sent wait for the retry's read instead of
  // being cancelled too (a batch sent again costs one cancelled transaction a shard, not all).
  let assumptionFailed = false;
  const writeShard = async (shard: number, shardEmails: string[]) => {
    let pending = shardEmails;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_ROUNDS) throw new Error('subscriber writes kept conflicting; gave up');
      let transactions = firstRound.get(shard)!;
      if (round > 0) {
        await backoff(round);
        transactions = decideShard(shard, pending, await readState(pending, true));
      }
      const failed: string[] = [];
      for (const tx of transactions) {
        if (stopped) throw new ShardStopped();
        if (round === 0 && optimistic && assumptionFailed) {
          failed.push(...tx.outcomes.keys());
          continue;
        }
        try {
          faultPoint('subscribers:transaction', { listId: list.listId, ...(events ? { workspaceId: events.workspaceId } : {}) });
          if (tx.items.length > 0) await deps.db.send(new TransactWriteCommand({ TransactItems: tx.items }));
          for (const [email, outcome] of tx.outcomes) outcomes.set(email, outcome);
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          if (round === 0) assumptionFailed = true;
          failed.push(...tx.outcomes.keys());
        }
      }
      pending = failed;
    }
  };
  const results = await Promise.allSettled(
    [...byShard.entries()].map(([shard, shardEmails]) =>
      writeShard(shard, shardEmails).catch((error: unknown) => {
        stopped = true;
        throw error;
      }),
    ),
  );
  // Every shard has stopped writing before the answer (an error answer included); the events of
  // what did commit are sealed either way, so they are delivered now, not after the grace period.
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof ShardStopped));
  if (events) {
    try {
      await sealBatch(deps, events);
    } catch (error) {
      if (!failure) throw error;
    }
  }
  if (failure) throw failure.reason;
  return outcomes;
}

class ShardStopped extends Error {}

export const batchPartition = (batchId: string) => parseInt(batchId.slice(0, 8), 16) % EVENT_PARTITIONS;

/**
 * Marks a request's events complete so the worker can merge them into one payload per action.
 * If the process dies before this, the worker still takes the batch after a grace period.
 */
async function sealBatch(deps: Pick<Deps, 'db' | 'tableName'>, events: EventContext) {
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.event(batchPartition(events.batchId), `${events.now}#${events.batchId}`, '~seal'), type: 'eventSeal', batchId: events.batchId },
    }),
  );
}

interface PackedTx<R> {
  items: Tx[];
  outcomes: Map<string, Outcome<R>>;
}

interface Decided<R> {
  email: string;
  before: SubscriberRecord | undefined;
  decision: Decision<R>;
  /** The status whose index sequence this write takes a position of. */
  enters?: SubscriberStatus;
}

/** Each pending email's decision (made once per round: deciders may have side effects). Decisions to change nothing settle at once. */
function decideAll<R>(
  emails: readonly string[],
  state: { current: Map<string, SubscriberRecord>; owners: Map<string, string> },
  decide: (input: DecisionInput) => Decision<R>,
  settled: Map<string, Outcome<R>>,
): Decided<R>[] {
  const out: Decided<R>[] = [];
  for (const email of emails) {
    if (settled.has(email)) continue;
    const before = state.current.get(email);
    const decision = decide({ email, current: before, phoneOwner: (d) => state.owners.get(d) });
    if (decision.kind === 'none') {
      settled.set(email, { result: decision.result, ...(before ? { before, after: before } : {}) });
      continue;
    }
    out.push({ email, before, decision });
  }
  return out;
}

/** The next status-index position of each status, as a shard's counter item holds them. */
export const positionsOf = (item: Record<string, unknown> | undefined): Record<SubscriberStatus, number> =>
  Object.fromEntries(subscriberStatuses.map((s) => [s, Number(item?.[`pos_${s}`] ?? 0)])) as Record<SubscriberStatus, number>;

/**
 * Keeps `statusAt` and the status-index entry of every written subscriber: a status change (or
 * a new subscriber, or one stored before the index existed) takes the day of `updatedAt` and
 * the next positions of its (status, shard) sequence, read with the subscribers from the
 * shard's counter item and moved by the transaction that writes them (`enters`); an unchanged
 * status keeps both. Concurrent writers may read the same sequence value: positions then repeat,
 * which only makes a block hold a few more rows than INDEX_BLOCK (counts stay exact).
 */
function placeInIndex<R>(
  decided: Decided<R>[],
  positions: Map<string, { status: SubscriberStatus; day: string; pos: number }>,
  base: Record<SubscriberStatus, number> | undefined,
): Decided<R>[] {
  const next = { ...(base ?? positionsOf(undefined)) };
  return decided.map((d) => {
    if (d.decision.kind !== 'put') return d;
    const { before } = d;
    const after = { ...d.decision.next };
    const keeps = before !== undefined && before.status === after.status;
    after.statusAt = keeps ? before.statusAt : after.updatedAt;
    if (keeps && before.index) return { ...d, decision: { ...d.decision, next: { ...after, index: before.index } } };
    const day = kstDay(after.statusAt);
    const known = positions.get(d.email);
    const pos = known && known.status === after.status && known.day === day ? known.pos : next[after.status]++;
    positions.set(d.email, { status: after.status, day, pos });
    return { ...d, enters: after.status, decision: { ...d.decision, next: { ...after, index: { day, pos } } } };
  });
}

type BlockDelta = { key: { PK: string; SK: string }; delta: number };

/** The index-block counters a decision moves: -1 where the subscriber leaves, +1 where it enters. */
function blockMoves(list: ListRef, shard: number, before: SubscriberRecord | undefined, decision: Decision<unknown>): BlockDelta[] {
  const after = decision.kind === 'put' ? decision.next : undefined;
  const moves: BlockDelta[] = [];
  const same = before?.index && after?.index && before.status === after.status && before.index.day === after.index.day && before.index.pos === after.index.pos;
  if (same) return moves;
  if (before?.index) {
    moves.push({ key: keys.indexBlock(list.listId, list.gen, shard, before.status, before.index.day, Math.floor(before.index.pos / INDEX_BLOCK)), delta: -1 });
  }
  if (after?.index) {
    moves.push({ key: keys.indexBlock(list.listId, list.gen, shard, after.status, after.index.day, Math.floor(after.index.pos / INDEX_BLOCK)), delta: 1 });
  }
  return moves;
}

/** What the outbox of one transaction reports: a subscriber's changes (webhooks) and facts (automated emails). */
type EventEntry = { change: SubscriberChange; bytes: number } | { fact: AutomationFact; bytes: number };

/** Room in a transaction besides the subscribers' writes, block counters and outbox items: the counter update. */
const COUNTER_ITEMS = 1;

/**
 * Outbox items a transaction needs for its entries: they are packed in order, a new item begun
 * when the next entry would pass the budget (as packBySize does at close).
 */
function outboxItemsFor(entries: readonly { bytes: number }[]): number {
  return packBySize(entries, PACKED_ITEM_BUDGET_BYTES, (e) => e.bytes).length;
}

function pack<R>(
  tableName: string,
  list: ListRef,
  shard: number,
  decided: readonly Decided<R>[],
  events: EventContext | undefined,
): PackedTx<R>[] {
  const txs: PackedTx<R>[] = [];
  type Open = PackedTx<R> & {
    delta: Record<SubscriberStatus, number>;
    /** Positions taken of each status's index sequence. */
    entered: Record<SubscriberStatus, number>;
    blocks: Map<string, BlockDelta>;
    entries: EventEntry[];
    bytes: number;
  };
  let open: Open = newTx();
  function newTx(): Open {
    return {
      items: [] as Tx[],
      outcomes: new Map<string, Outcome<R>>(),
      delta: { subscribed: 0, unsubscribed: 0, autoDeleted: 0, ready: 0 },
      entered: { subscribed: 0, unsubscribed: 0, autoDeleted: 0, ready: 0 },
      blocks: new Map<string, BlockDelta>(),
      entries: [] as EventEntry[],
      bytes: 0,
    };
  }
  const close = () => {
    // The outbox items commit with the changes they report, or not at all. A transaction's
    // entries are spread over as many items as their size needs; the worker merges a batch's items.
    for (const part of events ? packBySize(open.entries, PACKED_ITEM_BUDGET_BYTES, (e) => e.bytes) : []) {
      const changes = part.flatMap((e) => ('change' in e ? [e.change] : []));
      const facts = part.flatMap((e) => ('fact' in e ? [e.fact] : []));
      const event: OutboxEvent = {
        eventId: randomUUID(),
        workspaceId: events!.workspaceId,
        listId: list.listId,
        eventOccurredBy: events!.eventOccurredBy,
        occurredAt: events!.now,
        changes,
        ...(facts.length ? { facts } : {}),
      };
      open.items.push({
        Put: {
          TableName: tableName,
          Item: { ...keys.event(batchPartition(events!.batchId), `${events!.now}#${events!.batchId}`, event.eventId), type: 'event', batchId: events!.batchId, ...event },
        },
      });
    }
    const { subscribed, unsubscribed, autoDeleted, ready } = open.delta;
    const { entered } = open;
    if (subscribed || unsubscribed || autoDeleted || ready || subscriberStatuses.some((s) => entered[s])) {
      open.items.push({
        Update: {
          TableName: tableName,
          Key: keys.counter(list.listId, list.gen, shard),
          // `ready` (v2 double opt-in) only when it moves: counters of lists that never use it stay as they were.
          UpdateExpression:
            'ADD subscribed :a, unsubscribed :b, autoDeleted :c, pos_subscribed :ps, pos_unsubscribed :pu, pos_autoDeleted :pa' +
            (ready ? ', ready :d' : '') +
            (entered.ready ? ', pos_ready :pr' : ''),
          ExpressionAttributeValues: {
            ':a': subscribed,
            ':b': unsubscribed,
            ':c': autoDeleted,
            ':ps': entered.subscribed,
            ':pu': entered.unsubscribed,
            ':pa': entered.autoDeleted,
            ...(ready ? { ':d': ready } : {}),
            ...(entered.ready ? { ':pr': entered.ready } : {}),
          },
        },
      });
    }
    for (const { key, delta } of open.blocks.values()) {
      if (delta === 0) continue;
      open.items.push({ Update: { TableName: tableName, Key: key, UpdateExpression: 'ADD n :d', ExpressionAttributeValues: { ':d': delta } } });
    }
    if (open.outcomes.size > 0) txs.push(open);
    open = newTx();
  };
  for (const { email, before, decision, enters } of decided) {
    const outcome: Outcome<R> = { result: decision.result, ...(before ? { before } : {}) };
    const after = decision.kind === 'put' ? decision.next : undefined;
    if (after) {
      outcome.after = after;
      // A record may not grow past the bound (an unsubscribe of an older, larger one still goes).
      const size = jsonBytes(after);
      if (size > SUBSCRIBER_MAX_BYTES && (!before || size > jsonBytes(before))) {
        throw new ApiError('SUBSCRIBER_TOO_LARGE', `email=${email}, ${Math.ceil(size / 1024)} KB`);
      }
    }
    const writes = writesFor(tableName, list, shard, before, decision);
    const entries: EventEntry[] = [
      ...(events?.wantChanges ? changesOf(before, after, events.reason).map((change) => ({ change, bytes: jsonBytes(change) })) : []),
      ...(events?.wantFacts ? subscriberFactsOf(before, after, events.eventOccurredBy).map((fact) => ({ fact, bytes: jsonBytes(fact) })) : []),
    ];
    const moves = blockMoves(list, shard, before, decision);
    const bytes = jsonBytes(writes) + jsonBytes(moves) + entries.reduce((sum, e) => sum + e.bytes, 0);
    // Room for this subscriber's writes, the counter, every block counter (one transaction may
    // not name an item twice, so a block's moves are summed) and the outbox items, in count and in bytes.
    const fits = (tx: Open) =>
      tx.items.length + writes.length + COUNTER_ITEMS + tx.blocks.size + moves.filter((m) => !tx.blocks.has(m.key.SK)).length +
        outboxItemsFor([...tx.entries, ...entries]) <= MAX_TX_ITEMS && tx.bytes + bytes <= TRANSACTION_BUDGET_BYTES;
    if (open.outcomes.size > 0 && !fits(open)) close();
    open.entries.push(...entries);
    open.bytes += bytes;
    open.items.push(...writes);
    open.outcomes.set(email, outcome);
    if (enters) open.entered[enters] += 1;
    for (const m of moves) {
      const known = open.blocks.get(m.key.SK);
      if (known) known.delta += m.delta;
      else open.blocks.set(m.key.SK, { ...m });
    }
    const from = before?.status;
    const to = statusAfter(decision, before);
    if (from !== to) {
      if (from) open.delta[from] -= 1;
      if (to) open.delta[to] += 1;
    }
  }
  close();
  return txs;
}
