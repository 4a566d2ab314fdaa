/**
 * Issue 16 (cold import): DynamoDB Local is a JVM, and a fresh one runs its write path several
 * times slower until the JIT has compiled it: the first import of 10,000 members after
 * `npm start` took 6.0–6.3 s where a warm one takes 2.4 s, and the JVM's CPU per 1,000-row v2
 * batch falls from about 7 s to 0.9 s over the first ~10,000 rows written (bench/results).
 *
 * So `npm start` exercises the same paths at start, in the background, on a scratch table of
 * the same definition: BatchWriteItem of subscriber-shaped items (the import), TransactWriteItems
 * of conditional puts and counter updates (subscribe, v2 batch), BatchGetItem and Query on GSI1.
 * Low priority: one call at a time, and none while the application has a call of its own in
 * flight, so a user who is faster than the warm-up meets a cold JVM at worst, never a busier one.
 * The scratch table is deleted at the end (and at the next start, if a crash left it behind).
 */
import { quietLogger } from '#shared/db/client';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteTableCommand,
  DynamoDBClient,
  QueryCommand,
  ResourceNotFoundException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { subscriberItem } from '#shared/subscribers/store';
import type { SubscriberRecord } from '#shared/subscribers/record';
import { ensureTable } from './bootstrap-table';

export interface WarmupOptions {
  readonly endpoint: string;
  /** The application's table; the scratch table is named after it. */
  readonly tableName: string;
  /** Items written in all (default DYNAMODB_WARMUP_ITEMS or 30,000; 0 skips the warm-up). */
  readonly items?: number;
  /** True while the application has calls of its own in flight: the warm-up waits for them. */
  readonly busy?: () => boolean;
}

export interface WarmupReport {
  readonly items: number;
  readonly ms: number;
  /** Set when close() stopped it before the end. */
  readonly stopped?: boolean;
}

export interface Warmup {
  readonly done: Promise<WarmupReport>;
  stop(): Promise<void>;
}

export const DEFAULT_WARMUP_ITEMS = 30_000;
/** Of each round's items, this many go through a transaction (the rest through BatchWriteItem). */
const TX_ITEMS = 100;
const BATCH_ITEMS = 400;

export const warmupTableName = (tableName: string) => `${tableName}.jit-warmup`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startDynamoDbWarmup(options: WarmupOptions): Warmup {
  const total = options.items ?? Number(process.env.DYNAMODB_WARMUP_ITEMS ?? DEFAULT_WARMUP_ITEMS);
  const table = warmupTableName(options.tableName);
  let stopping = false;
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
    // Skips the sensitive-data log filter on 30,000 calls (about 3 s of Node CPU at start).
    logger: quietLogger,
  });
  /** One call, after the application's own calls have finished. */
  const send = async <T>(call: () => Promise<T>): Promise<T> => {
    while (options.busy?.() && !stopping) await sleep(10);
    return call();
  };
  const dropTable = async () => {
    try {
      await client.send(new DeleteTableCommand({ TableName: table }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  };
  const run = async (): Promise<WarmupReport> => {
    const t0 = performance.now();
    let written = 0;
    if (total <= 0) return { items: 0, ms: 0 };
    await dropTable();
    await ensureTable(client, table);
    const now = new Date().toISOString();
    const record = (i: number): SubscriberRecord => ({
      email: `warmup${i}@example.invalid`,
      status: 'subscribed',
      fields: { name: `구독자${i}` },
      adAgreed: i % 2 ? 'Y' : 'N',
      groupIds: [],
      createdAt: now,
      updatedAt: now,
      statusAt: now,
      version: 1,
      addedBy: 'MANUAL',
      index: { day: now.slice(0, 10).replaceAll('-', ''), pos: i },
    });
    const item = (i: number) => marshall(subscriberItem({ listId: 1, gen: 1 }, record(i), i % 8), { removeUndefinedValues: true });
    try {
      while (written < total && !stopping) {
        const base = written;
        for (let at = 0; at < BATCH_ITEMS && !stopping; at += 25) {
          const requests = Array.from({ length: 25 }, (_, k) => ({ PutRequest: { Item: item(base + at + k) } }));
          let pending: typeof requests | undefined = requests;
          while (pending?.length && !stopping) {
            const res = await send(() => client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending! } })));
            pending = res.UnprocessedItems?.[table] as typeof requests | undefined;
          }
        }
        const txBase = base + BATCH_ITEMS;
        await send(() =>
          client.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                ...Array.from({ length: TX_ITEMS - 1 }, (_, k) => ({
                  Put: { TableName: table, Item: item(txBase + k), ConditionExpression: 'attribute_not_exists(PK)' },
                })),
                {
                  Update: {
                    TableName: table,
                    Key: marshall({ PK: 'WARMUP#COUNT', SK: '#COUNT' }),
                    UpdateExpression: 'ADD subscribed :a, pos_subscribed :b',
                    ExpressionAttributeValues: marshall({ ':a': TX_ITEMS - 1, ':b': TX_ITEMS - 1 }),
                  },
                },
              ],
            }),
          ),
        );
        const keys = Array.from({ length: 100 }, (_, k) => {
          const it = item(base + k * 4);
          return { PK: it.PK!, SK: it.SK! };
        });
        await send(() => client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } })));
        const gsi = item(base).GSI1PK!;
        await send(() =>
          client.send(new QueryCommand({ TableName: table, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :p', ExpressionAttributeValues: { ':p': gsi }, Limit: 100 })),
        );
        written = txBase + TX_ITEMS;
      }
    } finally {
      await dropTable().catch(() => undefined);
    }
    return { items: written, ms: Math.round(performance.now() - t0), ...(stopping ? { stopped: true } : {}) };
  };
  const done = run().finally(() => client.destroy());
  return {
    done,
    stop: async () => {
      stopping = true;
      await done.catch(() => undefined);
    },
  };
}
