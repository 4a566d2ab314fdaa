/**
 * Deleting a whole generation of a list's subscribers (SPEC I4): what an import no longer
 * needs (the previous generation after a switch, the new one after a failure). Streams each
 * shard partition page by page, so memory stays flat whatever the list's size.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite, type Key } from '#shared/db/batch';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';

const PAGE = 1000;

/** Every item of generation `gen`: subscribers, memberships, counters and phone guards. Returns how many. */
export async function deleteGeneration(deps: Pick<Deps, 'db' | 'tableName'>, listId: number, gen: number, concurrency = 4): Promise<number> {
  let deleted = 0;
  await Promise.all(
    Array.from({ length: SUBSCRIBER_SHARDS }, async (_, shard) => {
      let start: Record<string, unknown> | undefined;
      do {
        const res = await deps.db.send(
          new QueryCommand({
            TableName: deps.tableName,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': keys.subscriberPartition(listId, gen, shard) },
            ProjectionExpression: 'PK, SK, phoneDigits',
            ConsistentRead: true,
            Limit: PAGE,
            ExclusiveStartKey: start,
          }),
        );
        const doomed: Key[] = [];
        for (const item of res.Items ?? []) {
          doomed.push({ PK: String(item.PK), SK: String(item.SK) });
          if (item.phoneDigits) doomed.push(keys.phone(listId, gen, String(item.phoneDigits)));
        }
        if (doomed.length) await batchWrite(deps.db, deps.tableName, doomed.map((k) => ({ delete: k })), concurrency);
        deleted += doomed.length;
        start = res.LastEvaluatedKey;
      } while (start);
    }),
  );
  return deleted;
}
