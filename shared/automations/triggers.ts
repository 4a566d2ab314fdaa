/**
 * SPEC A3, A4: facts → pending sends. For each fact the running automated emails whose triggers
 * it meets are found; per subscriber the trigger history decides (all/any, duplicates, quiet
 * period, once-only triggers), the filter narrows, and a pending send is queued at
 * trigger + delay, moved to the next opening of the send window. Replaying an event (a worker
 * retried after a crash) changes nothing: send ids derive from the event, and a subscriber's
 * history remembers the last event it took.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { batchGet, batchWrite, backoff, chunk } from '#shared/db/batch';
import { keys } from '#shared/table/keys';
import { TRANSACTION_BUDGET_BYTES, jsonBytes } from '#shared/db/item-size';
import type { Deps } from '#shared/runtime/deps';
import { toListRecord, type ListRecord } from '#shared/lists/model';
import { toSubscriberRecord, type SubscriberRecord } from '#shared/subscribers/record';
import type { AutomationFact, EmailFact } from './facts';
import { neverRepeats, watchedEmailOf, type AutomationRecord, type Filter, type Trigger } from './model';
import { addDelay, ceilToMinute, minuteOf, nextOpening } from './time';
import { workspaceAutomations } from './automations';
import { commitCounted, statsWrite, type Tx } from './figures';
import { crashAt } from '#shared/faults/crash-at';
import { logger } from '#shared/logger';
import { claimedRecordOf, type SendingRecord } from './send-record';
import { DIRECT_CLAIM_LEASE_MS } from './send-policy';
import { searchTextOfTokens, searchTokensOf, writeSearchTokens } from './queue-search';

export { workspaceAutomations };

export type EngineDeps = Pick<Deps, 'db' | 'tableName' | 'clock' | 'scheduler'>;

export interface FactEvent {
  eventId: string;
  workspaceId: string;
  listId: number;
  occurredAt: string;
  facts: readonly AutomationFact[];
}

/** One trigger met by one subscriber. */
export interface Fire {
  email: string;
  triggerIndex: number;
  at: Date;
  vars?: Record<string, unknown>;
  /** Set for triggers that fire once per subscriber (and year, for anniversaries). */
  onceKey?: string;
}

export interface PendingItem {
  PK: string;
  SK: string;
  GSI1PK: string;
  GSI1SK: string;
  type: 'pending' | 'check';
  automationId: number;
  listId: number;
  workspaceId: string;
  email: string;
  sendId: string;
  /** When the send fell due (trigger + delay), before the send window moved it (SPEC A6). */
  readyAt: string;
  dueAt: string;
  triggeredAt: string;
  /** A3a values for this send only. */
  vars?: Record<string, unknown>;
  /** Lower-cased email and field values: what the queue search matches. */
  search: string;
  /** Checks: the watched send and what it waits for. */
  check?: { sendId: string; triggerIndex: number; kind: 'open' | 'click'; url?: string; /** The watched send is a regular email's (issue 15). */ emailId?: number };
}

interface History {
  version: number;
  lastEventId?: string;
  lastFiredAt?: string;
  satisfied: number[];
  fired: string[];
  /** sendId → queue sort key, of sends queued for this subscriber. */
  pending: Record<string, string>;
}

const emptyHistory = (): History => ({ version: 0, satisfied: [], fired: [], pending: {} });

export const sendIdOf = (...parts: Array<string | number>) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);


export async function loadList(deps: Pick<Deps, 'db' | 'tableName'>, listId: number): Promise<ListRecord | undefined> {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.list(listId), ConsistentRead: true }));
  return res.Item ? toListRecord(res.Item) : undefined;
}

/** Whether a trigger watches the email a fact is about: an automated one, or a regular one (issue 15). */
const watches = (t: Trigger, fact: { automationId: number; emailId?: number }) => {
  const watched = watchedEmailOf(t);
  if (!watched) return false;
  return 'emailId' in watched ? fact.emailId === watched.emailId : fact.emailId === undefined && fact.automationId === watched.automationId;
};

/** Which (automation, trigger) pairs each fact meets. Only running emails listen (SPEC A3). */
export function firesOf(automations: readonly AutomationRecord[], event: FactEvent): Map<AutomationRecord, Fire[]> {
  const out = new Map<AutomationRecord, Fire[]>();
  const at = new Date(event.occurredAt);
  const add = (a: AutomationRecord, fire: Fire) => out.set(a, [...(out.get(a) ?? []), fire]);
  for (const a of automations) {
    if (a.state !== 'running') continue;
    const sameList = a.listId === event.listId;
    for (const fact of event.facts) {
      a.triggers.forEach((t, i) => {
        const fire = (extra: Partial<Fire> = {}) => add(a, { email: fact.email, triggerIndex: i, at, ...extra });
        switch (fact.kind) {
          case 'added':
            if (sameList && t.type === 'subscriberAdded' && (fact.by === 'SUBSCRIBER' || t.includeAdminAdded)) fire();
            break;
          case 'fieldUpdated':
            if (sameList && t.type === 'fieldUpdated' && t.field === fact.field && String(t.value) === String(fact.value)) fire();
            break;
          case 'groupAdded':
            if (sameList && t.type === 'groupAdded' && t.groupId === fact.groupId) fire();
            break;
          case 'emailSent':
          case 'emailFailed':
          case 'emailOpened':
            if (t.type === fact.kind && watches(t, fact)) fire();
            break;
          case 'linkClicked':
            if (t.type === 'linkClicked' && watches(t, fact) && (!t.url || t.url === fact.url)) fire();
            break;
          case 'api':
            if (t.type === 'api' && a.automationId === fact.automationId) fire({ vars: fact.vars });
            break;
          case 'gone':
            break;
        }
      });
    }
  }
  return out;
}

/**
 * The whole of SPEC A3 for one batch of facts. Returns the sends that were due at once, claimed in
 * their trigger's transaction: mailed already when `options.deliver` is given, else left to the
 * caller (or, should it die, to the sweeper when their short lease ends).
 */
export async function evaluateFacts(deps: EngineDeps, event: FactEvent, options: EnqueueOptions = {}): Promise<SendingRecord[]> {
  if (!event.facts.length) return [];
  const automations = await workspaceAutomations(deps, event.workspaceId);
  if (!automations.length) return [];
  const due: SendingRecord[] = [];
  for (const [a, fires] of firesOf(automations, event)) due.push(...(await enqueueFires(deps, a, fires, event.eventId, options)));
  const gone = event.facts.filter((f) => f.kind === 'gone').map((f) => f.email);
  if (gone.length) await purgePending(deps, automations.filter((a) => a.listId === event.listId), gone);
  const sent = event.facts.filter((f) => f.kind === 'emailSent');
  if (sent.length) await queueChecks(deps, automations, sent as EmailFact[], new Date(event.occurredAt));
  return due;
}

export function passesFilter(filter: Filter | null, s: SubscriberRecord): boolean {
  if (!filter || filter.conditions.length === 0) return true;
  const results = filter.conditions.map((c) => {
    if (c.type === 'group') return s.groupIds.includes(c.groupId) === (c.op === 'in');
    const raw = c.field === 'email' ? s.email : c.field === '$ad_agreed' ? s.adAgreed : s.fields[c.field];
    const value = raw === undefined || raw === null ? '' : String(raw);
    const want = c.value === undefined ? '' : String(c.value);
    switch (c.op) {
      case 'eq':
        return value === want;
      case 'ne':
        return value !== want;
      case 'contains':
        return value.includes(want);
      case 'notContains':
        return !value.includes(want);
      case 'startsWith':
        return value.startsWith(want);
      case 'endsWith':
        return value.endsWith(want);
      case 'empty':
        return value === '';
      case 'notEmpty':
        return value !== '';
      case 'gt':
      case 'lt': {
        const [x, y] = [Number(value), Number(want)];
        // Numbers compare as numbers; dates and other text by their ISO/lexical order.
        const cmp = Number.isFinite(x) && Number.isFinite(y) && value !== '' ? x - y : value.localeCompare(want);
        return value !== '' && (c.op === 'gt' ? cmp > 0 : cmp < 0);
      }
    }
  });
  return filter.match === 'all' ? results.every(Boolean) : results.some(Boolean);
}

/**
 * What a queue search matches (issue 16, queue-search.ts): the send's search tokens, at most 12
 * of at most 64 characters, so a pending send stays small (issue 12).
 */
export const searchTextOf = (s: SubscriberRecord) => searchTextOfTokens(searchTokensOf(s));


/** What mailing the sends claimed due now needs (dispatch.ts, `claimedSendDeliverer`). */
export interface ClaimedContext {
  automations: Map<number, AutomationRecord | undefined>;
  lists: Map<number, ListRecord | undefined>;
  /** By `listId \u0000 email`. */
  subscribers: Map<string, SubscriberRecord>;
}

export interface EnqueueOptions {
  /** Mails sends claimed due now, right after the transaction that claimed them. */
  deliver?: (records: readonly SendingRecord[], context: ClaimedContext) => Promise<unknown>;
}

/** Transactions of one call in flight at once, each on its own figures item. */
const TX_CONCURRENCY = 2;
const CONFLICT_ROUNDS = 8;

const cancelCodes = (error: TransactionCanceledException) => (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');

/**
 * Decides and queues the fires of one automated email. Each subscriber's writes (history,
 * pending sends, replaced repeats) commit together, conditioned on the history version read.
 * A send due at once is not queued but claimed in that same transaction (its record written
 * `sending` under a short lease, issue 16), and handed to `options.deliver` after the commit.
 */
export async function enqueueFires(deps: EngineDeps, a: AutomationRecord, fires: readonly Fire[], eventId: string, options: EnqueueOptions = {}): Promise<SendingRecord[]> {
  const list = await loadList(deps, a.listId);
  if (!list) return [];
  const byEmail = new Map<string, Fire[]>();
  for (const f of fires) byEmail.set(f.email, [...(byEmail.get(f.email) ?? []), f]);
  const claimed: SendingRecord[] = [];
  const context: ClaimedContext = { automations: new Map([[a.automationId, a]]), lists: new Map([[list.listId, list]]), subscribers: new Map() };
  // Slices of subscribers, two at a time: one slice's reads overlap another's writes and mails.
  const slices = chunk([...byEmail.keys()], SLICE);
  let nextSlice = 0;
  const sliceWorker = async () => {
    while (nextSlice < slices.length) await enqueueSlice(deps, a, list, byEmail, slices[nextSlice++]!, eventId, options, context, claimed);
  };
  await Promise.all(Array.from({ length: Math.min(SLICE_CONCURRENCY, slices.length) }, sliceWorker));
  return claimed;
}

const SLICE = 400;
const SLICE_CONCURRENCY = 2;

async function enqueueSlice(
  deps: EngineDeps,
  a: AutomationRecord,
  list: ListRecord,
  byEmail: ReadonlyMap<string, Fire[]>,
  slice: string[],
  eventId: string,
  options: EnqueueOptions,
  context: ClaimedContext,
  claimed: SendingRecord[],
): Promise<void> {
  let emails = slice;
  for (let round = 0; emails.length; round++) {
    if (round >= 8) throw new Error('trigger history kept conflicting; gave up');
    if (round > 0) await backoff(round);
    const found = await batchGet(deps.db, deps.tableName, [
      ...emails.map((e) => keys.subscriber(list.listId, list.gen, e)),
      ...emails.map((e) => keys.automationSubscriber(a.automationId, e)),
    ]);
    const subscribers = new Map<string, SubscriberRecord>();
    const histories = new Map<string, History>();
    for (const item of found.values()) {
      if (item.type === 'subscriber') subscribers.set(String(item.email), toSubscriberRecord(item));
      else if (item.type === 'automationSubscriber') histories.set(String(item.SK), item as unknown as History);
    }
    const now = deps.clock.now();
    const nowIso = now.toISOString();
    const leaseUntil = new Date(now.getTime() + DIRECT_CLAIM_LEASE_MS);
    const leaseId = randomUUID();
    const plans: Array<{ email: string; writes: Tx[]; items: PendingItem[]; claims: SendingRecord[] }> = [];
    for (const email of emails) {
      const subscriber = subscribers.get(email);
      // Nothing is sent to an address that is not a subscribed member of the list (A3a, A5).
      if (!subscriber || subscriber.status !== 'subscribed') continue;
      const stored = histories.get(email);
      if (stored?.lastEventId === eventId) continue; // this event was taken already
      const plan = decide(deps.tableName, a, subscriber, stored, byEmail.get(email)!, eventId, now);
      if (!plan) continue;
      context.subscribers.set(`${list.listId}\u0000${email}`, subscriber);
      // Due now: claimed here (only a running email's fires reach this); later: queued.
      const claims = plan.items.filter((q) => q.dueAt <= nowIso).map((q) => claimedRecordOf(q, leaseId, now, leaseUntil));
      const queued = plan.items.filter((q) => q.dueAt > nowIso);
      plan.writes.push(
        ...queued.map((item) => ({ Put: { TableName: deps.tableName, Item: item as unknown as Record<string, unknown>, ConditionExpression: 'attribute_not_exists(PK)' } })),
        ...claims.map((record) => ({ Put: { TableName: deps.tableName, Item: record as unknown as Record<string, unknown>, ConditionExpression: 'attribute_not_exists(PK)' } })),
      );
      plans.push({ email, writes: plan.writes, items: queued, claims });
    }
    // A recurring email's new trigger replaces its queued repeat: only a repeat still queued is
    // deleted and counted (one a dispatcher just claimed is its to count).
    const replacedKeys = plans.flatMap((p) => p.writes.filter((w) => w.Delete).map((w) => w.Delete!.Key as { PK: string; SK: string }));
    const stillQueued = replacedKeys.length ? await batchGet(deps.db, deps.tableName, replacedKeys, []) : new Map();
    for (const plan of plans) {
      plan.writes = plan.writes.filter((w) => !w.Delete || stillQueued.has(`${w.Delete.Key!.PK}\u0000${w.Delete.Key!.SK}`));
      for (const w of plan.writes) if (w.Delete) w.Delete.ConditionExpression = 'attribute_exists(PK)';
    }
    // The entries that will send these exist before the sends do (issue 12): a crash after the
    // commit cannot leave a queued send without the entry of its minute, nor a claimed one
    // without the entry that sweeps it when its lease ends.
    const minutes = new Set(plans.flatMap((p) => p.items).map((q) => minuteOf(new Date(q.dueAt))));
    if (plans.some((p) => p.claims.length)) minutes.add(minuteOf(new Date(leaseUntil.getTime() + 60_000)));
    for (const minute of minutes) await scheduleDueMinute(deps, minute);
    // The queue search's tokens too (issue 16): a queued send is never without them.
    await writeSearchTokens(deps, plans.flatMap((p) => p.items));
    const failed: string[] = [];
    // Up to 100 items a transaction, the figures item included: a subscriber's writes never split.
    const txs: Array<{ writes: Tx[]; emails: string[]; claims: SendingRecord[]; queued: number; bytes: number }> = [];
    for (const plan of plans) {
      let last = txs[txs.length - 1];
      const bytes = jsonBytes(plan.writes);
      // ... and within the byte budget of a transaction (issue 12: pending sends carry A3a values).
      if (!last || last.writes.length + plan.writes.length > 98 || last.bytes + bytes > TRANSACTION_BUDGET_BYTES) {
        txs.push((last = { writes: [], emails: [], claims: [], queued: 0, bytes: 0 }));
      }
      last.bytes += bytes;
      last.writes.push(...plan.writes);
      last.emails.push(plan.email);
      last.claims.push(...plan.claims);
      last.queued += plan.items.length - plan.writes.filter((w) => w.Delete).length;
    }
    const base = Math.floor(Math.random() * 1000);
    let next = 0;
    const worker = async (lane: number) => {
      // Issue 16: a lane commits its next transaction while the sends of its last one are mailed
      // and recorded (one delivery in flight a lane, so a claim waits for at most one delivery
      // before it is mailed, well inside its lease); the slice ends when every delivery has.
      let delivering: Promise<void> = Promise.resolve();
      while (next < txs.length) {
        const tx = txs[next++]!;
        if (!(await commitTx(deps, a.automationId, tx, base + lane))) {
          failed.push(...tx.emails);
          continue;
        }
        crashAt('queue:committed');
        claimed.push(...tx.claims);
        if (!options.deliver || !tx.claims.length) continue;
        await delivering;
        const deliver = options.deliver;
        // Claimed and committed: should mailing fail, the sweeper finishes them when the lease ends.
        delivering = deliver(tx.claims, context).then(
          () => undefined,
          (error: unknown) => logger.error('sends claimed at their trigger not delivered; the sweeper finishes them', { automationId: a.automationId, sends: tx.claims.length, error: error as Error }),
        );
      }
      await delivering;
    };
    await Promise.all(Array.from({ length: Math.min(TX_CONCURRENCY, txs.length) }, (_, lane) => worker(lane)));
    emails = failed;
  }
}

/**
 * One trigger transaction with its figures. False when a condition failed (a history changed
 * since it was read: its subscribers are decided again); conflicts alone are tried again.
 */
async function commitTx(deps: EngineDeps, automationId: number, tx: { writes: Tx[]; claims: SendingRecord[]; queued: number }, shard: number): Promise<boolean> {
  for (let round = 0; ; round++) {
    const stats = statsWrite(deps.tableName, automationId, { queued: tx.queued, sending: tx.claims.length }, round === 0 ? shard : undefined);
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: [...tx.writes, ...(stats ? [stats] : [])] }));
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      if (cancelCodes(error).includes('ConditionalCheckFailed') || round >= CONFLICT_ROUNDS) return false;
      await backoff(round + 1);
    }
  }
}

/**
 * The scheduler entry of a due minute (`due-YYYY-MM-DDTHHMM`); creating it twice is harmless.
 * A minute still ahead cannot have run yet, so this process asks for it only once.
 */
export async function scheduleDueMinute(deps: Pick<Deps, 'scheduler' | 'clock'>, minute: string): Promise<void> {
  const at = new Date(`${minute}:00.000Z`);
  let asked = entriesAsked.get(deps.scheduler);
  if (!asked) entriesAsked.set(deps.scheduler, (asked = new Set()));
  if (asked.has(minute) && at.getTime() > deps.clock.now().getTime() + 5_000) return;
  await deps.scheduler.at(`due-${minute.replace(/[:]/g, '')}`, at, { kind: 'due', minute });
  if (asked.size > 10_000) asked.clear();
  asked.add(minute);
}
const entriesAsked = new WeakMap<object, Set<string>>();

export function pendingItemOf(
  a: AutomationRecord,
  subscriber: SubscriberRecord,
  sendId: string,
  readyAt: Date,
  dueAt: Date,
  triggeredAt: Date,
  vars?: Record<string, unknown>,
): PendingItem {
  const due = dueAt.toISOString();
  return {
    ...keys.pendingSend(a.automationId, due, sendId),
    ...keys.dueGsi(due, sendId),
    type: 'pending',
    automationId: a.automationId,
    listId: a.listId,
    workspaceId: a.workspaceId,
    email: subscriber.email,
    sendId,
    readyAt: readyAt.toISOString(),
    dueAt: due,
    triggeredAt: triggeredAt.toISOString(),
    ...(vars && Object.keys(vars).length ? { vars } : {}),
    search: searchTextOf(subscriber),
  };
}

/** When a trigger met at `at` sends: after the delay (to the minute), at the next window opening. */
export function dueTimes(a: AutomationRecord, at: Date): { readyAt: Date; dueAt: Date } {
  const delayed = addDelay(at, a.delay, a.timeZone);
  const readyAt = a.delay && a.delay.value > 0 ? ceilToMinute(delayed) : delayed;
  return { readyAt, dueAt: nextOpening(readyAt, a.sendWindow, a.timeZone) };
}

function decide(
  tableName: string,
  a: AutomationRecord,
  subscriber: SubscriberRecord,
  stored: History | undefined,
  fires: readonly Fire[],
  eventId: string,
  now: Date,
): { writes: Tx[]; items: PendingItem[] } | undefined {
  // `writes`: the history and the replaced repeats; the caller adds each item, queued or claimed.
  const h: History = stored ? { ...emptyHistory(), ...stored, satisfied: [...(stored.satisfied ?? [])], fired: [...(stored.fired ?? [])], pending: { ...(stored.pending ?? {}) } } : emptyHistory();
  const items: PendingItem[] = [];
  const replaced: string[] = [];
  let changed = false;
  for (const fire of fires) {
    const trigger = a.triggers[fire.triggerIndex]!;
    if (fire.onceKey && h.fired.includes(fire.onceKey)) continue;
    if (a.triggerMatch === 'all' && a.triggers.length > 1) {
      if (!h.satisfied.includes(fire.triggerIndex)) h.satisfied.push(fire.triggerIndex);
      changed = true;
      if (!a.triggers.every((_, i) => h.satisfied.includes(i))) continue;
    }
    // Duplicates (A3): ignored unless allowed, then only outside the quiet period. Once-only
    // triggers are guarded by their key above, whatever the setting.
    if (h.lastFiredAt && !neverRepeats.has(trigger.type)) {
      if (!a.allowDuplicates) continue;
      if (a.quietPeriodMinutes > 0 && fire.at.getTime() - new Date(h.lastFiredAt).getTime() < a.quietPeriodMinutes * 60_000) continue;
    }
    if (!passesFilter(a.filter, subscriber)) continue;
    h.satisfied = [];
    h.lastFiredAt = fire.at.toISOString();
    if (fire.onceKey) h.fired.push(fire.onceKey);
    const { readyAt, dueAt } = dueTimes(a, fire.at);
    const sendId = sendIdOf(eventId, a.automationId, subscriber.email, fire.triggerIndex, items.length);
    // A new trigger moves the next repeat to its own time (A4): the queued repeat goes.
    if (a.recurrence) {
      replaced.push(...Object.values(h.pending));
      h.pending = {};
      items.length = 0;
    }
    const item = pendingItemOf(a, subscriber, sendId, readyAt, dueAt, fire.at, fire.vars);
    items.push(item);
    h.pending[sendId] = item.SK;
    changed = true;
  }
  if (!changed) return undefined;
  // Sends long gone from the queue need no memory.
  const nowIso = now.toISOString();
  for (const [id, sk] of Object.entries(h.pending)) if (sk < nowIso && !items.some((i) => i.sendId === id)) delete h.pending[id];
  const writes: Tx[] = [
    {
      Put: {
        TableName: tableName,
        Item: {
          ...keys.automationSubscriber(a.automationId, subscriber.email),
          type: 'automationSubscriber',
          ...h,
          lastEventId: eventId,
          version: h.version + 1,
        },
        ...(stored
          ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': h.version } }
          : { ConditionExpression: 'attribute_not_exists(PK)' }),
      },
    },
    ...replaced.map((sk) => ({ Delete: { TableName: tableName, Key: { PK: keys.pendingPartition(a.automationId), SK: sk } } })),
  ];
  return { writes, items };
}

/** Unsubscribed or deleted subscribers' pending sends vanish (A5), each with its figures. */
export async function purgePending(deps: Pick<Deps, 'db' | 'tableName'>, automations: readonly AutomationRecord[], emails: readonly string[]): Promise<void> {
  for (const a of automations) {
    const found = await batchGet(deps.db, deps.tableName, emails.map((e) => keys.automationSubscriber(a.automationId, e)));
    const named = [...found.values()].flatMap((h) => Object.values((h.pending ?? {}) as Record<string, string>)).map((SK) => ({ PK: keys.pendingPartition(a.automationId), SK }));
    if (!named.length) continue;
    const queued = await batchGet(deps.db, deps.tableName, named, []);
    await commitCounted(
      deps,
      a.automationId,
      named
        .filter((k) => queued.has(`${k.PK}\u0000${k.SK}`))
        .map((Key) => ({ writes: [{ Delete: { TableName: deps.tableName, Key, ConditionExpression: 'attribute_exists(PK)' } }], delta: { queued: -1, dropped: 1 } })),
    );
  }
}

/** After a watched email is sent, not-opened / not-clicked triggers wait for their time (A3). */
async function queueChecks(deps: EngineDeps, automations: readonly AutomationRecord[], sent: readonly EmailFact[], at: Date) {
  const writes: Array<{ put: PendingItem & Record<string, unknown> }> = [];
  const minutes = new Set<string>();
  for (const a of automations) {
    if (a.state !== 'running') continue;
    a.triggers.forEach((t, i) => {
      if (t.type !== 'emailNotOpened' && t.type !== 'linkNotClicked') return;
      for (const fact of sent) {
        if (!watches(t, fact)) continue;
        const due = new Date(ceilToMinute(at).getTime() + t.withinMinutes * 60_000);
        const checkId = sendIdOf('check', fact.sendId, a.automationId, i);
        const dueIso = due.toISOString();
        minutes.add(minuteOf(due));
        writes.push({
          put: {
            ...keys.pendingCheck(a.automationId, dueIso, checkId),
            ...keys.dueGsi(dueIso, checkId),
            type: 'check',
            automationId: a.automationId,
            listId: a.listId,
            workspaceId: a.workspaceId,
            email: fact.email,
            sendId: checkId,
            readyAt: dueIso,
            dueAt: dueIso,
            triggeredAt: at.toISOString(),
            search: fact.email.toLowerCase(),
            check: { sendId: fact.sendId, ...(fact.emailId ? { emailId: fact.emailId } : {}), triggerIndex: i, kind: t.type === 'emailNotOpened' ? 'open' : 'click', ...(t.type === 'linkNotClicked' && t.url ? { url: t.url } : {}) },
          },
        });
      }
    });
  }
  if (!writes.length) return;
  for (const minute of minutes) await scheduleDueMinute(deps, minute);
  await batchWrite(deps.db, deps.tableName, writes);
}
