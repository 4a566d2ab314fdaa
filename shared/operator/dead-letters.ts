/**
 * Issue 17: the operator's view of dead letters across every tenant (`npm run admin --
 * dead-letters`, `replay-dead-letter`). Each dead letter is also indexed in GSI1 by the day it
 * was parked (keys.deadLetterDayGsi), so the newest are read day by day without a Scan; a
 * replay puts the work back where the system's own workers take it (the delivery queue, the
 * outbox) and removes the letter in the same transaction, so a replay is done once.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DEAD_LETTER_TTL_DAYS, type DeadLetter } from '#shared/dead-letters';
import { keys } from '#shared/table/keys';
import { tableDefinition } from '#shared/table/definition';
import { batchPartition } from '#shared/subscribers/store';
import { replayedDelivery } from '#shared/webhooks/worker';
import { toWebhookRecord } from '#shared/webhooks/model';
import type { Deps } from '#shared/runtime/deps';

type OperatorDeps = Pick<Deps, 'db' | 'tableName' | 'clock'>;

/** A refusal the CLI shows as it is (exit code 1). */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
}

export type StoredDeadLetter = DeadLetter & { PK: string; SK: string; scope: string };

/** What the CLI lists: the letter without its payload, and whether it can be replayed. */
export type DeadLetterSummary = Omit<DeadLetter, 'replay'> & { scope: string; replayable: boolean };

const summary = (item: StoredDeadLetter): DeadLetterSummary => {
  const { PK: _p, SK: _s, GSI1PK: _g, GSI1SK: _h, type: _t, expiresAt: _e, replay, ...rest } = item as unknown as Record<string, unknown>;
  return { ...(rest as Omit<DeadLetterSummary, 'replayable'>), replayable: replay !== undefined };
};

const dayOf = (now: Date, daysBack: number) => new Date(now.getTime() - daysBack * 86_400_000).toISOString().slice(0, 10);

async function* newestFirst(deps: OperatorDeps, days: number): AsyncGenerator<StoredDeadLetter> {
  const now = deps.clock.now();
  for (let back = 0; back < Math.min(days, DEAD_LETTER_TTL_DAYS + 1); back++) {
    let start: Record<string, unknown> | undefined;
    do {
      const res = await deps.db.send(
        new QueryCommand({
          TableName: deps.tableName,
          IndexName: tableDefinition.globalIndexes[0]!.indexName,
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': keys.deadLetterDayPartition(dayOf(now, back)) },
          ScanIndexForward: false,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) yield item as StoredDeadLetter;
      start = res.LastEvaluatedKey;
    } while (start);
  }
}

/** The newest dead letters of the last `days` days, at most `limit`, optionally of one workspace or kind. */
export async function recentDeadLetters(
  deps: OperatorDeps,
  options: { days?: number; limit?: number; workspaceId?: string; kind?: string } = {},
): Promise<DeadLetterSummary[]> {
  const out: DeadLetterSummary[] = [];
  for await (const item of newestFirst(deps, options.days ?? 7)) {
    if (options.workspaceId && item.workspaceId !== options.workspaceId) continue;
    if (options.kind && item.kind !== options.kind) continue;
    out.push(summary(item));
    if (out.length >= (options.limit ?? 50)) break;
  }
  return out;
}

/** One dead letter by id, looked for among the days dead letters are kept. */
export async function findDeadLetter(deps: OperatorDeps, id: string): Promise<StoredDeadLetter | undefined> {
  for await (const item of newestFirst(deps, DEAD_LETTER_TTL_DAYS + 1)) if (item.id === id) return item;
  return undefined;
}

export interface ReplayResult {
  id: string;
  kind: DeadLetter['kind'];
  /** Where the work went: the webhook's delivery queue or the events outbox. */
  requeued: 'delivery' | 'facts';
}

/**
 * Puts a dead letter's work back: a delivery (or a batch's delivery) into the delivery queue,
 * due now; a batch's automation facts into the outbox, evaluated again under their first id
 * (so facts that had been taken before the failure are not taken twice). Refused with a reason
 * when the letter holds no payload (parked before issue 17, or too large) or its webhook is gone.
 */
export async function replayDeadLetter(deps: OperatorDeps, id: string): Promise<ReplayResult> {
  const letter = await findDeadLetter(deps, id);
  if (!letter) throw new OperatorError(`no dead letter ${id} in the last ${DEAD_LETTER_TTL_DAYS} days`);
  const replay = letter.replay;
  if (!replay) throw new OperatorError(`dead letter ${id} holds no payload to replay (parked before payloads were kept, or larger than the budget)`);
  const now = deps.clock.now();
  const removeLetter = { Delete: { TableName: deps.tableName, Key: { PK: letter.PK, SK: letter.SK }, ConditionExpression: 'attribute_exists(PK)' } };
  let items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;
  if (replay.kind === 'delivery') {
    const hookKey = keys.webhook(letter.listId, letter.webhookId ?? '');
    const hook = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: hookKey, ConsistentRead: true }));
    if (!hook.Item || !toWebhookRecord(hook.Item).enabled) throw new OperatorError(`webhook ${letter.webhookId} is deleted or disabled: enable it before replaying`);
    const delivery = replayedDelivery(
      { deliveryId: replay.deliveryId, webhookId: letter.webhookId!, listId: letter.listId, workspaceId: letter.workspaceId, eventId: letter.eventId ?? replay.deliveryId, action: letter.action ?? '', body: replay.body },
      now,
    );
    items = [{ Put: { TableName: deps.tableName, Item: delivery } }, removeLetter];
  } else {
    const batchId = randomUUID();
    const at = now.toISOString();
    const partition = batchPartition(batchId);
    items = [
      {
        Put: {
          TableName: deps.tableName,
          Item: { ...keys.event(partition, `${at}#${batchId}`, randomUUID()), type: 'event', batchId, eventId: batchId, ...replay.event, changes: [], facts: replay.facts, factsEventId: replay.factsEventId },
        },
      },
      { Put: { TableName: deps.tableName, Item: { ...keys.event(partition, `${at}#${batchId}`, '~seal'), type: 'eventSeal', batchId } } },
      removeLetter,
    ];
  }
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (error instanceof TransactionCanceledException) throw new OperatorError(`dead letter ${id} was replayed or expired meanwhile`);
    throw error;
  }
  return { id, kind: letter.kind, requeued: replay.kind };
}
