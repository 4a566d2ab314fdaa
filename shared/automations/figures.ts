/**
 * SPEC A7 figures committed with the changes they count (issue 12): every write that queues,
 * claims, sends, fails or drops a send carries its figures item's `ADD` in the same transaction,
 * so a crash can never leave one without the other. Figures are spread over STAT_SHARDS items
 * (one random item per transaction) and summed on read.
 */
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { backoff, batchGet, chunk, keyString, type Key } from '#shared/db/batch';
import { keys, STAT_SHARDS } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';

export type Tx = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export type StatName = 'queued' | 'sending' | 'sent' | 'failed' | 'dropped' | 'opens' | 'uniqueOpens' | 'clicks' | 'uniqueClicks';
export const STAT_NAMES: readonly StatName[] = ['queued', 'sending', 'sent', 'failed', 'dropped', 'opens', 'uniqueOpens', 'clicks', 'uniqueClicks'];
export type StatDelta = Partial<Record<StatName, number>>;

/**
 * The `ADD` of `delta` on one of the email's figures items, as a transaction item (none for a zero
 * delta). `shard`: writers running side by side each take their own, so their transactions do not
 * cancel each other on one figures item (issue 16); random otherwise.
 */
export function statsWrite(tableName: string, automationId: number, delta: StatDelta, shard?: number): Tx | undefined {
  const entries = Object.entries(delta).filter(([, v]) => v);
  if (!entries.length) return undefined;
  return {
    Update: {
      TableName: tableName,
      Key: keys.automationStats(automationId, (shard ?? Math.floor(Math.random() * STAT_SHARDS)) % STAT_SHARDS),
      UpdateExpression: `ADD ${entries.map((_, i) => `#n${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#n${i}`, k])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
    },
  };
}

export const sumDeltas = (deltas: readonly StatDelta[]): StatDelta => {
  const out: StatDelta = {};
  for (const d of deltas) for (const [k, v] of Object.entries(d) as Array<[StatName, number]>) out[k] = (out[k] ?? 0) + v;
  return out;
};

/** Writes that stand or fall together, and what they move on the figures. */
export interface CountedUnit {
  writes: Tx[];
  delta: StatDelta;
}

const MAX_TX_ITEMS = 100;
const CONFLICT_ROUNDS = 8;

const cancelCodes = (error: TransactionCanceledException) => (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');

/**
 * Commits units of one automated email, each all-or-nothing with its figures: as many units a
 * transaction as fit beside the figures item (and `extra` items, e.g. the outbox event of their
 * facts). A unit whose condition fails (another dispatcher got there first) is not committed and
 * is reported `false`; the others of its transaction are then committed one by one. Transactions
 * cancelled only by conflicts (two writers on one figures item) are tried again.
 */
export async function commitCounted(
  deps: Pick<Deps, 'db' | 'tableName'>,
  automationId: number,
  units: readonly CountedUnit[],
  options: { extra?: (units: readonly CountedUnit[]) => Tx[]; extraItems?: number; concurrency?: number } = {},
): Promise<boolean[]> {
  const committed = new Array<boolean>(units.length).fill(false);
  const room = MAX_TX_ITEMS - 1 - (options.extraItems ?? 0);
  const packs: number[][] = [];
  let current: number[] = [];
  let size = 0;
  units.forEach((u, i) => {
    if (current.length && size + u.writes.length > room) {
      packs.push(current);
      current = [];
      size = 0;
    }
    current.push(i);
    size += u.writes.length;
  });
  if (current.length) packs.push(current);

  // Each worker its own figures item; a conflict (another process on it) moves to a random one.
  const base = Math.floor(Math.random() * STAT_SHARDS);
  const attempt = async (indexes: number[], lane: number): Promise<'ok' | 'condition'> => {
    const members = indexes.map((i) => units[i]!);
    for (let round = 0; ; round++) {
      const stats = statsWrite(deps.tableName, automationId, sumDeltas(members.map((m) => m.delta)), round === 0 ? base + lane : undefined);
      const items = [...members.flatMap((m) => m.writes), ...(options.extra?.(members) ?? []), ...(stats ? [stats] : [])];
      if (!items.length) return 'ok';
      try {
        await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
        return 'ok';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const codes = cancelCodes(error);
        if (codes.includes('ConditionalCheckFailed') || round >= CONFLICT_ROUNDS) {
          if (!codes.includes('ConditionalCheckFailed')) throw error;
          return 'condition';
        }
        await backoff(round + 1);
      }
    }
  };

  const run = async (first: number[], lane: number) => {
    let indexes = first;
    for (let round = 0; round < 2; round++) {
      if ((await attempt(indexes, lane)) === 'ok') {
        for (const i of indexes) committed[i] = true;
        return;
      }
      if (indexes.length === 1) return;
      // Another writer got some first (typically a second dispatcher): the rest are tried
      // together once more, then one by one.
      indexes = await stillPossible(deps, units, indexes);
      if (!indexes.length) return;
    }
    for (const part of chunk(indexes, 8)) {
      await Promise.all(
        part.map(async (i, k) => {
          if ((await attempt([i], lane + k)) === 'ok') committed[i] = true;
        }),
      );
    }
  };
  let next = 0;
  const worker = async (lane: number) => {
    while (next < packs.length) await run(packs[next++]!, lane);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, packs.length) }, (_, lane) => worker(lane)));
  return committed;
}

/**
 * The units whose guard still holds: a unit whose first write deletes an item that must exist
 * (a queue item being claimed, dropped or removed) is possible only while that item exists.
 */
async function stillPossible(deps: Pick<Deps, 'db' | 'tableName'>, units: readonly CountedUnit[], indexes: readonly number[]): Promise<number[]> {
  const guard = (i: number) => {
    const d = units[i]!.writes[0]?.Delete;
    return d?.ConditionExpression === 'attribute_exists(PK)' ? (d.Key as Key) : undefined;
  };
  const guarded = indexes.map(guard).filter((k): k is Key => Boolean(k));
  if (!guarded.length) return [...indexes];
  const found = await batchGet(deps.db, deps.tableName, guarded, []);
  return indexes.filter((i) => {
    const k = guard(i);
    return !k || found.has(keyString(k));
  });
}
