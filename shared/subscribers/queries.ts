/** SPEC L8 counts by status, from the shard counters (the v1 look-ups themselves: ./lookups.ts). */
import { batchGet, keyString } from '#shared/db/batch';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import type { ListContext } from '#shared/lists/model';
import { subscriberStatuses, v1Statuses, type SubscriberStatus } from './status';

type Db = Pick<Deps, 'db' | 'tableName'>;
const shards = Array.from({ length: SUBSCRIBER_SHARDS }, (_, i) => i);

/** Counts by status of each shard of a list generation (index = shard): one BatchGet of SUBSCRIBER_SHARDS items, exact after every committed write. */
export async function countsByShard(deps: Db, listId: number, gen: number): Promise<Record<SubscriberStatus, number>[]> {
  const found = await batchGet(deps.db, deps.tableName, shards.map((s) => keys.counter(listId, gen, s)));
  return shards.map((shard) => {
    const item = found.get(keyString(keys.counter(listId, gen, shard)));
    return Object.fromEntries(subscriberStatuses.map((s) => [s, Number(item?.[s] ?? 0)])) as Record<SubscriberStatus, number>;
  });
}

/** Sum of the per-shard counters, of the statuses v1 knows (`ready` ones are v2's, issue 13). */
export async function countByStatus(deps: Db, ctx: ListContext): Promise<Record<(typeof v1Statuses)[number], number> & { total: number }> {
  const counts = { subscribed: 0, unsubscribed: 0, autoDeleted: 0 };
  for (const shard of await countsByShard(deps, ctx.list.listId, ctx.list.gen)) for (const s of v1Statuses) counts[s] += shard[s];
  return { ...counts, total: counts.subscribed + counts.unsubscribed + counts.autoDeleted };
}
