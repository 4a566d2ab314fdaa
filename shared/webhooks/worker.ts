/**
 * Webhook delivery (SPEC L10). Two steps, both safe to run twice or concurrently:
 * 1. fan-out: each outbox event becomes one delivery per (webhook, action), written in the same
 *    transaction that deletes the event, so an event is delivered once however often this runs;
 *    its automation facts (SPEC A3) are handed to `onFacts` before that, idempotently;
 * 2. delivery: due deliveries are claimed, POSTed with an HMAC-SHA256 signature, logged, and on
 *    failure re-queued with exponential back-off until 24 hours have passed.
 * Locally the embedded worker runs both every few hundred milliseconds; in AWS the table's
 * stream (new events) and a one-minute schedule (retries) invoke the same functions.
 */
import { writeIf } from '#shared/db/conditional';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { QueryCommand, TransactWriteCommand, UpdateCommand, DeleteCommand, PutCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { keys, EVENT_PARTITIONS } from '#shared/table/keys';
import { batchWrite, queryAll } from '#shared/db/batch';
import type { Deps } from '#shared/runtime/deps';
import { logger } from '#shared/logger';
import { isStoreOutage } from '#shared/http/errors';
import { payloadOf, type OutboxEvent } from './events';
import { deliveryLogQuery, DELIVERY_LOG_SIZE, toWebhookRecord, type DeliveryAttempt, type WebhookAction, type WebhookRecord } from './model';
import { pinnedPost } from './pinned-post';
import { PACKED_ITEM_BUDGET_BYTES, TRANSACTION_BUDGET_BYTES, packBySize } from '#shared/db/item-size';
import { deadLetterId, emailsOf, parkDeadLetters, reasonOf, replayWithin, scopeKey, type DeadLetter, type DeadLetterScope } from '#shared/dead-letters';
import { faultPoint } from '#shared/runtime/faults';
import { factTargets } from '#shared/automations/events';

export const SIGNATURE_HEADER = 'X-Webhook-Signature';
export const DELIVERY_WINDOW_MS = 24 * 3600 * 1000;
const MAX_BACKOFF_MS = 3600 * 1000;
/** How long a claimed delivery is left to its claimer: at least a minute, and always past the attempt's timeout. */
const claimMs = (options: WorkerOptions) => Math.max(60_000, options.timeoutMs + 30_000);

export interface WorkerOptions {
  /** First retry delay; doubles each attempt up to an hour (default one minute). */
  retryBaseMs: number;
  timeoutMs: number;
  /**
   * Tries of a batch the worker fails to fan out (or of a delivery the worker itself fails on,
   * not its receiver) before it is parked as a dead letter: 5, about 15 minutes at the default base.
   */
  maxAttempts: number;
}
export const defaultWorkerOptions: WorkerOptions = { retryBaseMs: 60_000, timeoutMs: 10_000, maxAttempts: 5 };

type WorkerDeps = Pick<Deps, 'db' | 'tableName' | 'clock' | 'allowPrivateWebhookUrls' | 'resolveHost' | 'metrics'>;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: verify both, and reject old timestamps. */
export function sign(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

interface DeliveryItem {
  deliveryId: string;
  webhookId: string;
  listId: number;
  workspaceId?: string;
  eventId: string;
  action: string;
  body: string;
  attempt: number;
  firstAt: string;
  dueAt: string;
  partition: number;
  /** Unexpected failures of the worker itself on this delivery (not the receiver's answers). */
  workerErrors?: number;
}

async function webhooksOf(deps: WorkerDeps, listId: number): Promise<WebhookRecord[]> {
  const res = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :w)',
      ExpressionAttributeValues: { ':pk': keys.listPartition(listId), ':w': keys.webhookPrefix },
      ConsistentRead: true,
    }),
  );
  return (res.Items ?? []).map(toWebhookRecord);
}

const hashOf = (...parts: Array<string | number>) => createHash('sha256').update(parts.join('\u0000')).digest('hex');

/**
 * One delivery per (enabled webhook, action it wants), the events' changes merged per action
 * and split into payloads of at most PACKED_ITEM_BUDGET_BYTES of subscribers (issue 12), so no
 * delivery item outgrows DynamoDB's 400 KB. Ids and due times derive from the events, so building
 * the same deliveries twice (a fan-out retried after a crash) yields the same items.
 */
function deliveriesFor(hooks: WebhookRecord[], events: OutboxItem[], now: Date): DeliveryItem[] {
  const first = events[0];
  if (!first) return [];
  const byAction = new Map<WebhookAction, Record<string, unknown>[]>();
  for (const change of events.flatMap((e) => e.changes)) {
    byAction.set(change.action, [...(byAction.get(change.action) ?? []), change.subscriber]);
  }
  const source = events.length === 1 ? first.eventId : first.batchId;
  const bodies = new Map<WebhookAction, Array<{ eventId: string; body: string }>>();
  for (const [action, subscribers] of byAction) {
    const parts = packBySize(subscribers, PACKED_ITEM_BUDGET_BYTES);
    bodies.set(
      action,
      parts.map((part, i) => {
        // Stable per batch (or per event when a batch is split), action and part: what receivers dedupe on.
        const eventId = parts.length === 1 ? `${source}:${action}` : `${source}:${action}:${i + 1}`;
        const split = parts.length === 1 ? {} : { part: i + 1, parts: parts.length };
        return { eventId, body: JSON.stringify({ ...payloadOf(first, action, part, eventId), ...split }) };
      }),
    );
  }
  const at = now.toISOString();
  const deliveries: DeliveryItem[] = [];
  for (const hook of hooks) {
    for (const [action, parts] of bodies) {
      if (!hook.events.includes(action)) continue;
      for (const { eventId, body } of parts) {
        const id = hashOf(hook.webhookId, eventId);
        deliveries.push({
          deliveryId: id.slice(0, 32),
          webhookId: hook.webhookId,
          listId: first.listId,
          workspaceId: first.workspaceId,
          eventId,
          action,
          body,
          attempt: 0,
          firstAt: at,
          dueAt: first.occurredAt,
          partition: parseInt(id.slice(0, 8), 16) % EVENT_PARTITIONS,
        });
      }
    }
  }
  return deliveries;
}

/** A batch whose request died before sealing it is taken anyway after this long. */
export const UNSEALED_GRACE_MS = 60_000;

/** `factsEventId`: a replayed dead letter's facts keep the id they were first evaluated under (issue 17). */
type OutboxItem = OutboxEvent & { PK: string; SK: string; type: 'event' | 'eventSeal' | 'eventRetry'; batchId: string; factsEventId?: string };

/** A batch that failed to fan out: when to try again, and what went wrong (issue 12). */
interface RetryState {
  PK: string;
  SK: string;
  type: 'eventRetry';
  batchId: string;
  attempts: number;
  retryAt: string;
  firstFailedAt: string;
  lastError: string;
  /** The facts were parked as dead letters: the deliveries go on without them. */
  factsParked?: boolean;
}

/** Which step of a batch failed: its facts are parked apart from its deliveries. */
class StageFailure extends Error {
  constructor(
    readonly stage: 'facts' | 'fan-out',
    override readonly cause: unknown,
  ) {
    super(reasonOf(cause));
  }
}

const deliveryItem = (d: DeliveryItem) => ({ ...keys.delivery(d.partition, d.dueAt, d.deliveryId), type: 'delivery', ...d });
const deleteOf = (tableName: string, i: { PK: string; SK: string }) => ({ Delete: { TableName: tableName, Key: { PK: i.PK, SK: i.SK }, ConditionExpression: 'attribute_exists(PK)' } });
const fitsOneTransaction = (items: number, deliveries: readonly DeliveryItem[]) =>
  items + deliveries.length <= 100 && deliveries.reduce((sum, d) => sum + Buffer.byteLength(d.body), 0) <= TRANSACTION_BUDGET_BYTES;

async function transact(deps: WorkerDeps, items: NonNullable<TransactWriteCommandInput['TransactItems']>) {
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    // Another worker fanned these events out first.
    if (!(error instanceof TransactionCanceledException)) throw error;
  }
}

/**
 * Writes a batch's deliveries and deletes its outbox items. In one transaction when it fits
 * (100 items, the byte budget): delivered once. Otherwise event by event, each event's
 * deliveries in its own transaction; an event whose deliveries fit no transaction (many
 * webhooks) has them written first, by key, and is deleted after: a crash between the two
 * writes the same items again, so a receiver may get such a delivery twice, with the same id.
 */
async function writeDeliveries(deps: WorkerDeps, hooks: WebhookRecord[], events: OutboxItem[], others: OutboxItem[], now: Date) {
  const all = deliveriesFor(hooks, events, now);
  if (fitsOneTransaction(events.length + others.length, all)) {
    const items = [...[...events, ...others].map((i) => deleteOf(deps.tableName, i)), ...all.map((d) => ({ Put: { TableName: deps.tableName, Item: deliveryItem(d) } }))];
    if (items.length) await transact(deps, items);
    return;
  }
  for (const event of events) {
    const deliveries = deliveriesFor(hooks, [event], now);
    if (fitsOneTransaction(1, deliveries)) {
      await transact(deps, [deleteOf(deps.tableName, event), ...deliveries.map((d) => ({ Put: { TableName: deps.tableName, Item: deliveryItem(d) } }))]);
      continue;
    }
    for (const part of packBySize(deliveries, TRANSACTION_BUDGET_BYTES, (d) => Buffer.byteLength(d.body))) {
      await batchWrite(deps.db, deps.tableName, part.map((d) => ({ put: deliveryItem(d) })));
    }
    await transact(deps, [deleteOf(deps.tableName, event)]);
  }
  if (others.length) await batchWrite(deps.db, deps.tableName, others.map((i) => ({ delete: { PK: i.PK, SK: i.SK } })));
}

/**
 * Step 1: outbox events → deliveries. A request's events (one or more per transaction) are
 * merged into payloads per action once the request sealed its batch; the deliveries are written
 * in the transaction that deletes the batch, so each event is delivered once. Every batch is
 * isolated (issue 12): one that fails is tried again with back-off and, after
 * `options.maxAttempts` tries, parked as dead letters; the other batches go on meanwhile.
 * Returns batches done.
 */
export async function fanOutEvents(
  deps: WorkerDeps,
  onFacts?: (event: OutboxEvent) => Promise<void>,
  options: WorkerOptions = defaultWorkerOptions,
): Promise<number> {
  let done = 0;
  const now = deps.clock.now();
  for (let p = 0; p < EVENT_PARTITIONS; p++) {
    let items: OutboxItem[];
    try {
      items = (await queryAll(deps.db, {
        TableName: deps.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.eventPartition(p) },
        ConsistentRead: true,
      })) as unknown as OutboxItem[];
    } catch (error) {
      if (isStoreOutage(error)) throw error;
      logger.error('events worker: outbox partition not read', { partition: p, error: error as Error });
      continue;
    }
    const batches = new Map<string, OutboxItem[]>();
    for (const item of items) batches.set(item.batchId, [...(batches.get(item.batchId) ?? []), item]);
    for (const batch of batches.values()) {
      const retry = batch.find((i) => i.type === 'eventRetry') as unknown as RetryState | undefined;
      if (retry && Date.parse(retry.retryAt) > now.getTime()) continue;
      try {
        if (await fanOutBatch(deps, batch, now, retry, onFacts)) done++;
      } catch (error) {
        await batchFailed(deps, batch, retry, error, options).catch((failure: unknown) =>
          logger.error('events worker: batch failure not recorded', { batchId: batch[0]?.batchId, error: failure as Error }),
        );
      }
    }
  }
  return done;
}

async function fanOutBatch(deps: WorkerDeps, batch: OutboxItem[], now: Date, retry: RetryState | undefined, onFacts?: (event: OutboxEvent) => Promise<void>): Promise<boolean> {
  const events = batch.filter((i) => i.type === 'event');
  const others = batch.filter((i) => i.type !== 'event');
  const sealed = batch.some((i) => i.type === 'eventSeal');
  const first = events[0];
  if (!first) {
    // A seal (or retry state) whose events are gone: removed once no event can still be on its way.
    if (sealed && now.getTime() - Date.parse(String(batch[0]!.SK).slice(0, 24)) > UNSEALED_GRACE_MS) {
      await batchWrite(deps.db, deps.tableName, others.map((i) => ({ delete: { PK: i.PK, SK: i.SK } })));
    }
    return false;
  }
  if (!sealed && now.getTime() - Date.parse(first.occurredAt) < UNSEALED_GRACE_MS) return false;
  const context = { listId: first.listId, workspaceId: first.workspaceId };
  // Automated emails take their facts first: taking them twice is harmless, losing them is not.
  // One call per batch (a whole request's facts), keyed by the batch: fewer, larger writes.
  const facts = events.flatMap((e) => e.facts ?? []);
  if (onFacts && facts.length && !retry?.factsParked) {
    try {
      faultPoint('worker:facts', context);
      await onFacts({ ...first, eventId: first.factsEventId ?? first.batchId, facts });
    } catch (error) {
      throw new StageFailure('facts', error);
    }
  }
  try {
    faultPoint('worker:fan-out', context);
    const hooks = (await webhooksOf(deps, first.listId)).filter((w) => w.enabled);
    await writeDeliveries(deps, hooks, events, others, now);
  } catch (error) {
    throw new StageFailure('fan-out', error);
  }
  return true;
}

/** Records a failed try of a batch, or parks it once it failed `maxAttempts` times. */
async function batchFailed(deps: WorkerDeps, batch: OutboxItem[], retry: RetryState | undefined, error: unknown, options: WorkerOptions) {
  const events = batch.filter((i) => i.type === 'event');
  const first = events[0];
  if (!first) throw error;
  const stage = error instanceof StageFailure ? error.stage : 'fan-out';
  const reason = reasonOf(error instanceof StageFailure ? error.cause : error);
  const now = deps.clock.now();
  const attempts = (retry?.attempts ?? 0) + 1;
  const firstFailedAt = retry?.firstFailedAt ?? now.toISOString();
  const retryKey = { PK: first.PK, SK: `${first.SK.slice(0, first.SK.lastIndexOf('#'))}#~retry` };
  logger.warn('events worker: batch failed', { batchId: first.batchId, listId: first.listId, stage, attempts, reason });
  const state = (next: Partial<RetryState>): RetryState => ({
    ...retryKey,
    type: 'eventRetry',
    batchId: first.batchId,
    attempts,
    firstFailedAt,
    lastError: reason,
    retryAt: new Date(now.getTime() + Math.min(MAX_BACKOFF_MS, options.retryBaseMs * 2 ** (attempts - 1))).toISOString(),
    ...(retry?.factsParked ? { factsParked: true } : {}),
    ...next,
  });
  if (attempts < options.maxAttempts) {
    await deps.db.send(new PutCommand({ TableName: deps.tableName, Item: state({}) as unknown as Record<string, unknown> }));
    return;
  }
  const base = { at: now.toISOString(), firstFailedAt, reason, attempts, workspaceId: first.workspaceId, listId: first.listId };
  if (stage === 'facts') {
    const facts = events.flatMap((e) => e.facts ?? []);
    const targets = await factTargets(deps, { ...first, eventId: first.batchId, facts }).catch(() => []);
    const scopes: DeadLetterScope[] = targets.length ? targets.map((automationId) => ({ automationId })) : [{ listId: first.listId }];
    await parkDeadLetters(
      deps,
      scopes.map((scope) => ({
        scope,
        letter: {
          id: deadLetterId(first.batchId, 'facts', scopeKey(scope)),
          kind: 'facts',
          ...base,
          ...('automationId' in scope ? { automationId: scope.automationId } : {}),
          eventId: first.batchId,
          ...emailsOf(facts),
          ...replayWithin({ kind: 'facts', event: { workspaceId: first.workspaceId, listId: first.listId, eventOccurredBy: first.eventOccurredBy, occurredAt: first.occurredAt }, factsEventId: first.factsEventId ?? first.batchId, facts }),
        },
      })),
    );
    // The deliveries go on without the facts, from the next pass.
    await deps.db.send(new PutCommand({ TableName: deps.tableName, Item: state({ attempts: 0, factsParked: true, retryAt: now.toISOString() }) as unknown as Record<string, unknown> }));
    return;
  }
  const hooks = await webhooksOf(deps, first.listId).catch(() => [] as WebhookRecord[]);
  const letters = deliveryLetters(hooks.filter((w) => w.enabled), events, base, now);
  await parkDeadLetters(
    deps,
    letters.length ? letters : [{ scope: { listId: first.listId }, letter: { id: deadLetterId(first.batchId, 'batch'), kind: 'batch', ...base, eventId: first.batchId, ...emailsOf(events.flatMap((e) => (e.changes ?? []).map((c) => c.subscriber))) } }],
  );
  const parked = [...batch.filter((i) => i.SK !== retryKey.SK), retryKey];
  await batchWrite(deps.db, deps.tableName, parked.map((i) => ({ delete: { PK: i.PK, SK: i.SK } })));
}

/**
 * One dead letter per delivery a parked batch would have made (webhook, action, part), each with
 * the delivery's body to replay (issue 17). Events too broken to build deliveries from get one
 * letter per webhook and action, without a replay.
 */
function deliveryLetters(hooks: WebhookRecord[], events: OutboxItem[], base: Omit<DeadLetter, 'id' | 'kind' | 'subscribers' | 'emails'>, now: Date) {
  try {
    const batchId = events[0]!.batchId;
    return deliveriesFor(hooks, events, now).map((d) => ({
      scope: { webhookId: d.webhookId } as DeadLetterScope,
      letter: {
        id: deadLetterId(batchId, d.webhookId, d.eventId),
        kind: 'batch' as const,
        ...base,
        webhookId: d.webhookId,
        eventId: d.eventId,
        action: d.action,
        ...emailsOf((JSON.parse(d.body) as { subscribers: Record<string, unknown>[] }).subscribers),
        ...replayWithin({ kind: 'delivery', deliveryId: d.deliveryId, body: d.body }),
      },
    }));
  } catch {
    return brokenDeliveryLetters(hooks, events, base);
  }
}

function brokenDeliveryLetters(hooks: WebhookRecord[], events: OutboxItem[], base: Omit<DeadLetter, 'id' | 'kind' | 'subscribers' | 'emails'>) {
  const byAction = new Map<string, Record<string, unknown>[]>();
  for (const change of events.flatMap((e) => (Array.isArray(e.changes) ? e.changes : []))) {
    byAction.set(String(change.action), [...(byAction.get(String(change.action)) ?? []), change.subscriber ?? {}]);
  }
  const batchId = events[0]!.batchId;
  return hooks.flatMap((hook) =>
    [...byAction]
      .filter(([action]) => hook.events.includes(action as WebhookAction))
      .map(([action, subscribers]) => ({
        scope: { webhookId: hook.webhookId } as DeadLetterScope,
        letter: { id: deadLetterId(batchId, hook.webhookId, action), kind: 'batch' as const, ...base, webhookId: hook.webhookId, eventId: `${batchId}:${action}`, action, ...emailsOf(subscribers) },
      })),
  );
}

/** One signed POST, logged in the webhook's delivery log. */
export async function attempt(
  deps: WorkerDeps,
  hook: WebhookRecord,
  delivery: Pick<DeliveryItem, 'deliveryId' | 'eventId' | 'action' | 'body' | 'attempt'>,
  options: WorkerOptions,
): Promise<DeliveryAttempt> {
  const at = deps.clock.now();
  let result: { status: number | null; ok: boolean; latencyMs: number; error?: string };
  try {
    result = await pinnedPost(
      hook.url,
      delivery.body,
      {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': 'newsletter-webhooks/1',
        [SIGNATURE_HEADER]: sign(hook.secret, delivery.body, Math.floor(at.getTime() / 1000)),
        'X-Webhook-Id': hook.webhookId,
        'X-Webhook-Event-Id': delivery.eventId,
      },
      { timeoutMs: options.timeoutMs, allowPrivate: deps.allowPrivateWebhookUrls, ...(deps.resolveHost ? { resolve: deps.resolveHost } : {}) },
    );
  } catch (error) {
    result = { status: null, ok: false, latencyMs: 0, error: (error as Error).message };
  }
  const entry: DeliveryAttempt = {
    deliveryId: delivery.deliveryId,
    eventId: delivery.eventId,
    action: delivery.action,
    attempt: delivery.attempt + 1,
    at: at.toISOString(),
    ...result,
  } as DeliveryAttempt;
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.deliveryLog(hook.webhookId, entry.at, randomUUID()), type: 'deliveryLog', attempt: entry },
    }),
  );
  await trimLog(deps, hook.webhookId);
  return entry;
}

async function trimLog(deps: WorkerDeps, webhookId: string) {
  const res = await deps.db.send(new QueryCommand({ ...deliveryLogQuery(deps.tableName, webhookId), ProjectionExpression: 'PK, SK' }));
  const old = (res.Items ?? []).slice(DELIVERY_LOG_SIZE);
  if (old.length) await batchWrite(deps.db, deps.tableName, old.map((i) => ({ delete: { PK: String(i.PK), SK: String(i.SK) } })));
}

/** Deliveries one pass takes from a queue partition, and at most this many of one webhook (no tenant crowds out the rest). */
const DUE_PER_PARTITION = 25;
const DUE_PER_WEBHOOK = 5;
/** Pages of a queue partition one pass reads looking for unclaimed due deliveries. */
const DUE_PAGES = 4;

type QueuedDelivery = DeliveryItem & { PK: string; SK: string; claimedUntil?: string };

/** Due, unclaimed deliveries of one partition, oldest first, a few per webhook. */
async function dueDeliveries(deps: WorkerDeps, partition: number, nowIso: string): Promise<QueuedDelivery[]> {
  const out: QueuedDelivery[] = [];
  const perWebhook = new Map<string, number>();
  let start: Record<string, unknown> | undefined;
  for (let page = 0; page < DUE_PAGES && out.length < DUE_PER_PARTITION; page++) {
    const res = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'PK = :pk AND SK < :due',
        // Claimed ones (another worker on them, or one that died) are not ours to take yet.
        FilterExpression: 'attribute_not_exists(claimedUntil) OR claimedUntil < :now',
        ExpressionAttributeValues: { ':pk': keys.deliveryPartition(partition), ':due': `${nowIso}\uffff`, ':now': nowIso },
        Limit: 100,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of (res.Items ?? []) as QueuedDelivery[]) {
      const taken = perWebhook.get(item.webhookId) ?? 0;
      if (taken >= DUE_PER_WEBHOOK || out.length >= DUE_PER_PARTITION) continue;
      perWebhook.set(item.webhookId, taken + 1);
      out.push(item);
    }
    start = res.LastEvaluatedKey;
    if (!start) break;
  }
  return out;
}

/** Attempts one embedded worker keeps in flight at most. */
export const MAX_IN_FLIGHT = 64;

/**
 * Step 2: due deliveries get one attempt each. Every delivery is isolated (issue 12): one the
 * worker fails on is tried again with back-off and parked as a dead letter after
 * `options.maxAttempts` failures; the others go on. Returns how many were attempted (started,
 * with `inFlight`).
 *
 * Without `inFlight` (the Lambda) the pass waits for its attempts. With it (the embedded worker)
 * attempts are started and left running there, so a receiver that takes its whole timeout holds
 * up no later pass: the next one starts other deliveries meanwhile, skipping those in flight.
 */
export async function deliverDue(deps: WorkerDeps, options: WorkerOptions = defaultWorkerOptions, inFlight?: Map<string, Promise<void>>): Promise<number> {
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  let attempted = 0;
  const one = async (d: QueuedDelivery) => {
    try {
      if (await deliverOne(deps, d, options, now)) attempted++;
    } catch (error) {
      await deliveryFailed(deps, d, error, options).catch((failure: unknown) =>
        logger.error('webhook worker: delivery failure not recorded', { deliveryId: d.deliveryId, error: failure as Error }),
      );
    }
  };
  // Partitions side by side: a pass lasts as long as its slowest receiver (the timeout), not four times that.
  await Promise.all(
    Array.from({ length: EVENT_PARTITIONS }, async (_, p) => {
      let due: QueuedDelivery[];
      try {
        due = await dueDeliveries(deps, p, nowIso);
      } catch (error) {
        if (isStoreOutage(error)) throw error;
        logger.error('webhook worker: delivery queue not read', { partition: p, error: error as Error });
        return;
      }
      if (!inFlight) {
        await Promise.all(due.map(one));
        return;
      }
      for (const d of due) {
        if (inFlight.has(d.deliveryId) || inFlight.size >= MAX_IN_FLIGHT) continue;
        attempted++;
        inFlight.set(d.deliveryId, one(d).finally(() => inFlight.delete(d.deliveryId)));
      }
    }),
  );
  return attempted;
}

async function deliverOne(deps: WorkerDeps, d: QueuedDelivery, options: WorkerOptions, now: Date): Promise<boolean> {
  const nowIso = now.toISOString();
  // Claim it, so a concurrent worker does not POST the same attempt.
  const claimed = await writeIf(
    deps.db,
    new UpdateCommand({
      TableName: deps.tableName,
      Key: { PK: d.PK, SK: d.SK },
      UpdateExpression: 'SET claimedUntil = :until',
      ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
      ExpressionAttributeValues: { ':until': new Date(now.getTime() + claimMs(options)).toISOString(), ':now': nowIso },
    }),
  );
  if (!claimed) return false;
  const hook = (await webhooksOf(deps, d.listId)).find((w) => w.webhookId === d.webhookId);
  if (!hook || !hook.enabled) {
    await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { PK: d.PK, SK: d.SK } }));
    return true;
  }
  const result = await attempt(deps, hook, d, options);
  const nextDelay = Math.min(MAX_BACKOFF_MS, options.retryBaseMs * 2 ** d.attempt);
  const nextAt = new Date(deps.clock.now().getTime() + nextDelay);
  const giveUp = nextAt.getTime() - Date.parse(d.firstAt) > DELIVERY_WINDOW_MS;
  if (result.ok) {
    await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { PK: d.PK, SK: d.SK } }));
    deps.metrics.add('WebhookDeliveries', 1, {});
    return true;
  }
  if (giveUp) {
    const last = result.status !== null ? `last answer HTTP ${result.status}` : `last error: ${result.error ?? 'unknown'}`;
    await park(deps, d, hook.workspaceId, `no 2xx answer within 24 hours (${d.attempt + 1} attempts; ${last})`.slice(0, 500), d.attempt + 1);
    return true;
  }
  deps.metrics.add('WebhookRetries', 1, {});
  const next: DeliveryItem = { ...d, attempt: d.attempt + 1, dueAt: nextAt.toISOString() };
  await deps.db.send(
    new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName: deps.tableName, Key: { PK: d.PK, SK: d.SK } } },
        {
          Put: {
            TableName: deps.tableName,
            Item: {
              ...keys.delivery(d.partition, next.dueAt, d.deliveryId),
              type: 'delivery',
              deliveryId: next.deliveryId,
              webhookId: next.webhookId,
              listId: next.listId,
              ...(next.workspaceId ? { workspaceId: next.workspaceId } : {}),
              eventId: next.eventId,
              action: next.action,
              body: next.body,
              attempt: next.attempt,
              firstAt: next.firstAt,
              dueAt: next.dueAt,
              partition: next.partition,
              ...(next.workerErrors ? { workerErrors: next.workerErrors } : {}),
            },
          },
        },
      ],
    }),
  );
  return true;
}

/** The worker itself failed on a delivery: it waits (its claim, doubled each time), then is parked. */
async function deliveryFailed(deps: WorkerDeps, d: QueuedDelivery, error: unknown, options: WorkerOptions) {
  const errors = (d.workerErrors ?? 0) + 1;
  const reason = reasonOf(error);
  logger.warn('webhook worker: delivery failed', { deliveryId: d.deliveryId, webhookId: d.webhookId, errors, reason });
  if (errors >= options.maxAttempts) {
    await park(deps, d, d.workspaceId ?? '', reason, d.attempt + errors);
    return;
  }
  const until = new Date(deps.clock.now().getTime() + Math.min(MAX_BACKOFF_MS, options.retryBaseMs * 2 ** (errors - 1))).toISOString();
  // Refused: the delivery is gone (delivered or parked meanwhile).
  await writeIf(
    deps.db,
    new UpdateCommand({
      TableName: deps.tableName,
      Key: { PK: d.PK, SK: d.SK },
      UpdateExpression: 'SET claimedUntil = :until, workerErrors = :n',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':until': until, ':n': errors },
    }),
  );
}

/** Moves a delivery out of the queue into its webhook's dead letters. */
async function park(deps: WorkerDeps, d: QueuedDelivery, workspaceId: string, reason: string, attempts: number) {
  let subscribers: Record<string, unknown>[] = [];
  try {
    const parsed = JSON.parse(d.body) as { subscribers?: unknown };
    if (Array.isArray(parsed.subscribers)) subscribers = parsed.subscribers as Record<string, unknown>[];
  } catch {
    // A body that is not JSON names no one.
  }
  const at = deps.clock.now().toISOString();
  await parkDeadLetters(deps, [
    {
      scope: { webhookId: d.webhookId },
      letter: {
        id: deadLetterId('delivery', d.deliveryId),
        kind: 'delivery',
        at,
        firstFailedAt: d.firstAt,
        reason,
        attempts,
        workspaceId,
        listId: d.listId,
        webhookId: d.webhookId,
        eventId: d.eventId,
        action: d.action,
        ...emailsOf(subscribers),
        ...replayWithin({ kind: 'delivery', deliveryId: d.deliveryId, body: d.body }),
      },
    },
  ]);
  await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { PK: d.PK, SK: d.SK } }));
}

/**
 * Issue 17: a parked delivery queued again for an operator's replay: a first attempt, due now,
 * under its own id and event id (receivers deduplicate on X-Webhook-Event-Id), and a new 24-hour window.
 */
export function replayedDelivery(
  d: Pick<DeliveryItem, 'deliveryId' | 'webhookId' | 'listId' | 'workspaceId' | 'eventId' | 'action' | 'body'>,
  now: Date,
): Record<string, unknown> {
  const at = now.toISOString();
  const item: DeliveryItem = { ...d, attempt: 0, firstAt: at, dueAt: at, partition: parseInt(d.deliveryId.slice(0, 8), 16) % EVENT_PARTITIONS };
  return deliveryItem(item);
}

/** SPEC L10 test ping: one signed attempt, now, answered with its result (and logged). */
export async function pingWebhook(deps: WorkerDeps, hook: WebhookRecord, options: WorkerOptions = defaultWorkerOptions) {
  const eventId = randomUUID();
  const body = JSON.stringify({ id: String(hook.listId), action: 'PING', eventOccurredBy: 'MANUAL', eventOccuredBy: 'MANUAL', subscribers: [], eventId, occurredAt: deps.clock.now().toISOString() });
  return attempt(deps, hook, { deliveryId: eventId, eventId, action: 'PING', body, attempt: 0 }, options);
}
