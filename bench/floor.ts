/**
 * Issue 16: the limit each benchmark is measured against, in the same process and on the same
 * DynamoDB Local: `BatchWriteItem` of the same number of items of the same size (and, where the
 * operation needs them, the same count of conditional transactional writes), and what a phase
 * costs in request units at Seoul's on-demand prices.
 */
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchWrite, chunk } from '#shared/db/batch';
import { capacityTallyOf, emptyTally, onDemandUsd, tallyCapacity, SEOUL_ON_DEMAND_USD_PER_MILLION, type CapacityTally } from '#shared/db/capacity';
import { round } from './harness';

let floorRun = 0;

/** Items of `bytes` bytes each (near enough: the filler's length), on keys nothing else uses. */
const floorItems = (count: number, bytes: number, tag: string) => {
  const filler = 'x'.repeat(Math.max(0, bytes - 60));
  return Array.from({ length: count }, (_, i) => ({ PK: `FLOOR#${tag}#${i % 64}`, SK: `${i}`, type: 'floor', filler }));
};

/** Seconds for `count` items of `bytes` in BatchWriteItem (25 an call, 8 calls in flight, as shared/db/batch.ts writes). */
export async function batchWriteFloor(db: DynamoDBDocumentClient, tableName: string, count: number, bytes: number, around?: { start(): void; stop(): void }): Promise<number> {
  const items = floorItems(count, bytes, `b${floorRun++}`);
  around?.start();
  const t0 = performance.now();
  await batchWrite(db, tableName, items.map((put) => ({ put })), 8);
  const seconds = (performance.now() - t0) / 1000;
  around?.stop();
  await batchWrite(db, tableName, items.map(({ PK, SK }) => ({ delete: { PK, SK } })), 8);
  return seconds;
}

/** Seconds for `count` conditional puts of `bytes` in transactions of `perTx` items, `concurrency` at once. */
export async function transactionFloor(db: DynamoDBDocumentClient, tableName: string, count: number, bytes: number, perTx = 96, concurrency = 4): Promise<number> {
  const items = floorItems(count, bytes, `t${floorRun++}`);
  const parts = chunk(items, perTx);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < parts.length) {
        const part = parts[next++]!;
        await db.send(new TransactWriteCommand({ TransactItems: part.map((Item) => ({ Put: { TableName: tableName, Item, ConditionExpression: 'attribute_not_exists(PK)' } })) }));
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await batchWrite(db, tableName, items.map(({ PK, SK }) => ({ delete: { PK, SK } })), 8);
  return seconds;
}

/** The client's tally, attached on first use (shared/db/capacity.ts). */
export const tallyOf = (db: DynamoDBDocumentClient): CapacityTally => capacityTallyOf(db) ?? tallyCapacity(db);

/** Runs `phase` and returns what it consumed. */
export async function measured<T>(db: DynamoDBDocumentClient, phase: () => Promise<T>): Promise<{ value: T; units: CapacityTally }> {
  const tally = tallyOf(db);
  const before = structuredClone(tally);
  const value = await phase();
  const units = emptyTally();
  units.readUnits = tally.readUnits - before.readUnits;
  units.writeUnits = tally.writeUnits - before.writeUnits;
  units.calls = tally.calls - before.calls;
  for (const [name, c] of Object.entries(tally.byCommand)) {
    const b = before.byCommand[name] ?? { calls: 0, readUnits: 0, writeUnits: 0 };
    if (c.calls > b.calls) units.byCommand[name] = { calls: c.calls - b.calls, readUnits: round(c.readUnits - b.readUnits, 1), writeUnits: round(c.writeUnits - b.writeUnits, 1) };
  }
  return { value, units };
}

/** Units per operation and the on-demand price of `per` operations, with the price used. */
export function costOf(units: CapacityTally, operations: number, per: number, perLabel: string) {
  return {
    readUnitsPerOperation: round(units.readUnits / operations, 2),
    writeUnitsPerOperation: round(units.writeUnits / operations, 2),
    [`usdPer${perLabel}`]: round(onDemandUsd({ readUnits: (units.readUnits / operations) * per, writeUnits: (units.writeUnits / operations) * per }), 4),
    byCommand: units.byCommand,
    prices: SEOUL_ON_DEMAND_USD_PER_MILLION,
  };
}

/**
 * A phase's units without the background pollers' queries (the webhook outbox and queue workers
 * poll with Query every 250 ms); the request paths measured here run no Query.
 */
export function withoutPolls(units: CapacityTally): CapacityTally {
  const { QueryCommand: _polls, ...byCommand } = units.byCommand;
  const out = emptyTally();
  out.byCommand = byCommand;
  for (const c of Object.values(byCommand)) {
    out.calls += c.calls;
    out.readUnits += c.readUnits;
    out.writeUnits += c.writeUnits;
  }
  return out;
}

/** Adds `more` into `into` (the units of several measured runs). */
export function addUnits(into: CapacityTally, more: CapacityTally): CapacityTally {
  into.readUnits += more.readUnits;
  into.writeUnits += more.writeUnits;
  into.calls += more.calls;
  for (const [name, c] of Object.entries(more.byCommand)) {
    const sum = (into.byCommand[name] ??= { calls: 0, readUnits: 0, writeUnits: 0 });
    sum.calls += c.calls;
    sum.readUnits = round(sum.readUnits + c.readUnits);
    sum.writeUnits = round(sum.writeUnits + c.writeUnits);
  }
  return into;
}

/** Calls per operation of each command. */
export const callsPer = (units: CapacityTally, operations: number) =>
  Object.fromEntries(Object.entries(units.byCommand).map(([name, c]) => [name, round(c.calls / operations, 1)]));
