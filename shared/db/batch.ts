/**
 * Multi-item reads and writes, complete or retried to completion (SPEC R2): BatchGet and
 * BatchWrite in chunks of 100 and 25 with their unprocessed items retried, transactions in
 * chunks of at most 100 items.
 */
import { BatchWriteItemCommand, type WriteRequest as LowLevelWrite } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { marshallOptions } from './client';
import {
  BatchGetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

export type Key = { PK: string; SK: string };
export type Item = Record<string, unknown> & Key;

export const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (attempt: number) => sleep(Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random() / 2));
const MAX_ROUNDS = 12;

/**
 * Gets every key (strongly consistent), in chunks of 100 run in parallel. Missing keys are
 * absent from the map. `attributes` limits what is read (the keys always come along).
 */
export async function batchGet(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Key[],
  attributes?: readonly string[],
): Promise<Map<string, Item>> {
  const names = attributes ? ['PK', 'SK', ...attributes] : undefined;
  const projection = names
    ? { ProjectionExpression: names.map((_, i) => `#a${i}`).join(', '), ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])) }
    : {};
  const found = new Map<string, Item>();
  const unique = [...new Map(keys.map((k) => [keyString(k), k])).values()];
  await Promise.all(
    chunk(unique, 100).map(async (part) => {
      let pending: Key[] = part;
      for (let round = 0; pending.length > 0; round++) {
        if (round >= MAX_ROUNDS) throw new Error('BatchGet: unprocessed keys after retries');
        if (round > 0) await backoff(round);
        const res = await db.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true, ...projection } } }),
        );
        for (const item of (res.Responses?.[tableName] ?? []) as Item[]) found.set(keyString(item), item);
        pending = (res.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
      }
    }),
  );
  return found;
}

export type WriteRequest = { put: Item } | { delete: Key };

/**
 * Puts and deletes in chunks of 25, unprocessed items retried until none is left. Items are
 * marshalled here, once each, and sent with the low-level command: the document client's
 * command would walk every request again to find what to marshal and unmarshal unprocessed
 * items only for us to marshal them again (about 4 % of the Node CPU of a bulk import, profiled).
 * The options are the document client's own (shared/db/client.ts).
 */
export async function batchWrite(
  db: DynamoDBDocumentClient,
  tableName: string,
  writes: readonly WriteRequest[],
  concurrency = 8,
): Promise<void> {
  const parts = chunk(writes, 25);
  let next = 0;
  const worker = async () => {
    while (next < parts.length) {
      const part = parts[next++]!;
      let pending: LowLevelWrite[] = part.map((w) =>
        'put' in w
          ? { PutRequest: { Item: marshall(w.put, marshallOptions) } }
          : { DeleteRequest: { Key: marshall(w.delete, marshallOptions) } },
      );
      for (let round = 0; pending.length > 0; round++) {
        if (round >= MAX_ROUNDS) throw new Error('BatchWrite: unprocessed items after retries');
        if (round > 0) await backoff(round);
        const res = await db.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
        pending = res.UnprocessedItems?.[tableName] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, parts.length) }, worker));
}

/** Every item of a query, following LastEvaluatedKey. */
export async function queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((res.Items ?? []) as Item[]));
    start = res.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every item of one GSI1 partition (the index's "all X of Y" look-ups). */
export const queryIndex = (db: DynamoDBDocumentClient, tableName: string, gsi1pk: string): Promise<Item[]> =>
  queryAll(db, { TableName: tableName, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :pk', ExpressionAttributeValues: { ':pk': gsi1pk } });

export const keyString = (k: Key): string => `${k.PK}\u0000${k.SK}`;
export { sleep, backoff };
