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
import { createHmac, randomUUID } from 'node:crypto';
import { QueryCommand, TransactWriteCommand, UpdateCommand, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { keys, EVENT_PARTITIONS } from '#shared/table/keys';
import { batchWrite, queryAll } from '#shared/db/batch';
import type { Deps } from '#shared/runtime/deps';
import { logger } from '#shared/logger';
import { payloadOf, type OutboxEvent } from './events';
import { deliveryLogQuery, DELIVERY_LOG_SIZE, toWebhookRecord, type DeliveryAttempt, type WebhookAction, type WebhookRecord } from './model';
import { pinnedPost } from './pinned-post';

export const SIGNATURE_HEADER = 'X-Webhook-Signature';
export const DELIVERY_WINDOW_MS = 24 * 3600 * 1000;
const MAX_BACKOFF_MS = 3600 * 1000;
const CLAIM_MS = 60_000;

export interface WorkerOptions {
  /** First retry delay; doubles each attempt up to an hour (default one minute). */
  retryBaseMs: number;
  timeoutMs: number;
}
export const defaultWorkerOptions: WorkerOptions = { retryBaseMs: 60_000, timeoutMs: 10_000 };

type WorkerDeps = Pick<Deps, 'db' | 'tableName' | 'clock' | 'allowPrivateWebhookUrls' | 'resolveHost'>;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: verify both, and reject old timestamps. */
export function sign(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

interface DeliveryItem {
  deliveryId: string;
  webhookId: string;
  listId: number;
  eventId: string;
  action: string;
  body: string;
  attempt: number;
  firstAt: string;
  dueAt: string;
  partition: number;
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

/** One delivery per (enabled webhook, action it wants), the events' changes merged per action. */
function deliveriesFor(hooks: WebhookRecord[], events: OutboxItem[], now: Date): DeliveryItem[] {
  const first = events[0];
  if (!first) return [];
  const byAction = new Map<WebhookAction, Record<string, unknown>[]>();
  for (const change of events.flatMap((e) => e.changes)) {
    byAction.set(change.action, [...(byAction.get(change.action) ?? []), change.subscriber]);
  }
  const at = now.toISOString();
  const deliveries: DeliveryItem[] = [];
  for (const hook of hooks) {
    for (const [action, subscribers] of byAction) {
      if (!hook.events.includes(action)) continue;
      // Stable per batch (or per event when a batch is split) and action: what receivers dedupe on.
      const eventId = `${events.length === 1 ? first.eventId : first.batchId}:${action}`;
      deliveries.push({
        deliveryId: randomUUID(),
        webhookId: hook.webhookId,
        listId: first.listId,
        eventId,
        action,
        body: JSON.stringify(payloadOf(first, action, subscribers, eventId)),
        attempt: 0,
        firstAt: at,
        dueAt: at,
        partition: deliveries.length % EVENT_PARTITIONS,
      });
    }
  }
  return deliveries;
}

/** A batch whose request died before sealing it is taken anyway after this long. */
export const UNSEALED_GRACE_MS = 60_000;

type OutboxItem = OutboxEvent & { PK: string; SK: string; type: 'event' | 'eventSeal'; batchId: string };

/**
 * Step 1: outbox events → deliveries. A request's events (one per transaction) are merged into
 * one payload per action once the request sealed its batch; the deliveries are written in the
 * transaction that deletes the batch, so each event is delivered once. Returns batches done.
 */
export async function fanOutEvents(deps: WorkerDeps, onFacts?: (event: OutboxEvent) => Promise<void>): Promise<number> {
  let done = 0;
  const now = deps.clock.now();
  for (let p = 0; p < EVENT_PARTITIONS; p++) {
    const items = (await queryAll(deps.db, {
      TableName: deps.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.eventPartition(p) },
      ConsistentRead: true,
    })) as unknown as OutboxItem[];
    const batches = new Map<string, OutboxItem[]>();
    for (const item of items) batches.set(item.batchId, [...(batches.get(item.batchId) ?? []), item]);
    for (const batch of batches.values()) {
      const events = batch.filter((i) => i.type === 'event');
      const sealed = batch.some((i) => i.type === 'eventSeal');
      const first = events[0];
      if (!first || (!sealed && now.getTime() - Date.parse(first.occurredAt) < UNSEALED_GRACE_MS)) {
        if (!first && sealed && now.getTime() - Date.parse(String(batch[0]!.SK).slice(0, 24)) > UNSEALED_GRACE_MS) {
          await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { PK: batch[0]!.PK, SK: batch[0]!.SK } }));
        }
        continue;
      }
      // Automated emails take their facts first: taking them twice is harmless, losing them is not.
      // One call per batch (a whole request's facts), keyed by the batch: fewer, larger writes.
      const facts = events.flatMap((e) => e.facts ?? []);
      if (onFacts && facts.length) await onFacts({ ...first, eventId: first.batchId, facts });
      const hooks = (await webhooksOf(deps, first.listId)).filter((w) => w.enabled);
      const seal = batch.filter((i) => i.type === 'eventSeal');
      // One transaction per batch; a batch too large for one (never from a 256 KB request) goes event by event.
      const groups = deliveriesFor(hooks, events, now).length + batch.length <= 100 ? [[...events, ...seal]] : [...events.map((e) => [e]), seal];
      for (const group of groups) {
        const groupEvents = group.filter((i) => i.type === 'event');
        const deliveries = deliveriesFor(hooks, groupEvents, now);
        const items = [
          ...group.map((i) => ({ Delete: { TableName: deps.tableName, Key: { PK: i.PK, SK: i.SK }, ConditionExpression: 'attribute_exists(PK)' } })),
          ...deliveries.map((d) => ({ Put: { TableName: deps.tableName, Item: { ...keys.delivery(d.partition, d.dueAt, d.deliveryId), type: 'delivery', ...d } } })),
        ];
        if (items.length === 0) continue;
        try {
          await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
        } catch (error) {
          // Another worker fanned these events out first.
          if (!(error instanceof TransactionCanceledException)) throw error;
        }
      }
      done++;
    }
  }
  return done;
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

/** Step 2: every due delivery gets one attempt. Returns how many were attempted. */
export async function deliverDue(deps: WorkerDeps, options: WorkerOptions = defaultWorkerOptions): Promise<number> {
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  let attempted = 0;
  for (let p = 0; p < EVENT_PARTITIONS; p++) {
    const res = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'PK = :pk AND SK < :due',
        ExpressionAttributeValues: { ':pk': keys.deliveryPartition(p), ':due': `${nowIso}\uffff` },
        Limit: 25,
      }),
    );
    await Promise.all(
      (res.Items ?? []).map(async (item) => {
        const d = item as unknown as DeliveryItem & { PK: string; SK: string; claimedUntil?: string };
        try {
          // Claim it, so a concurrent worker does not POST the same attempt.
          await deps.db.send(
            new UpdateCommand({
              TableName: deps.tableName,
              Key: { PK: d.PK, SK: d.SK },
              UpdateExpression: 'SET claimedUntil = :until',
              ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
              ExpressionAttributeValues: { ':until': new Date(now.getTime() + CLAIM_MS).toISOString(), ':now': nowIso },
            }),
          );
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) return;
          throw error;
        }
        attempted++;
        const hook = (await webhooksOf(deps, d.listId)).find((w) => w.webhookId === d.webhookId);
        if (!hook || !hook.enabled) {
          await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { PK: d.PK, SK: d.SK } }));
          return;
        }
        const result = await attempt(deps, hook, d, options);
        const nextDelay = Math.min(MAX_BACKOFF_MS, options.retryBaseMs * 2 ** d.attempt);
        const nextAt = new Date(deps.clock.now().getTime() + nextDelay);
        const giveUp = nextAt.getTime() - Date.parse(d.firstAt) > DELIVERY_WINDOW_MS;
        if (result.ok || giveUp) {
          if (!result.ok) logger.warn('webhook delivery given up after 24 h', { webhookId: hook.webhookId, eventId: d.eventId });
          await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { PK: d.PK, SK: d.SK } }));
          return;
        }
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
                    eventId: next.eventId,
                    action: next.action,
                    body: next.body,
                    attempt: next.attempt,
                    firstAt: next.firstAt,
                    dueAt: next.dueAt,
                    partition: next.partition,
                  },
                },
              },
            ],
          }),
        );
      }),
    );
  }
  return attempted;
}

/** SPEC L10 test ping: one signed attempt, now, answered with its result (and logged). */
export async function pingWebhook(deps: WorkerDeps, hook: WebhookRecord, options: WorkerOptions = defaultWorkerOptions) {
  const eventId = randomUUID();
  const body = JSON.stringify({ id: String(hook.listId), action: 'PING', eventOccurredBy: 'MANUAL', eventOccuredBy: 'MANUAL', subscribers: [], eventId, occurredAt: deps.clock.now().toISOString() });
  return attempt(deps, hook, { deliveryId: eventId, eventId, action: 'PING', body, attempt: 0 }, options);
}
