/**
 * Issue 16: what each DynamoDB call costs, in the units AWS bills. A middleware on the project's
 * client asks every call for `ReturnConsumedCapacity: TOTAL` and adds up the read and write units
 * the service reports. Off unless enabled (the benchmarks enable it; in AWS set
 * `DYNAMODB_CAPACITY_TALLY=1`), since it adds a field to every answer and a little work to every call.
 *
 * DynamoDB Local's reports for transactions are not what AWS bills (measured: 8 units for three
 * 3 KB puts and an update, 15 for 96 small puts), so a transaction's write units are counted here
 * from its items as AWS bills them: two units per started KB of each item put (its JSON size, near
 * enough), two per update, delete or condition check (their stored size is not known to the
 * client; this project's are under 1 KB). Everything else is what the service reports.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

interface Consumed {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

export interface CommandTally {
  calls: number;
  readUnits: number;
  writeUnits: number;
}

export interface CapacityTally {
  readUnits: number;
  writeUnits: number;
  calls: number;
  byCommand: Record<string, CommandTally>;
}

export const emptyTally = (): CapacityTally => ({ readUnits: 0, writeUnits: 0, calls: 0, byCommand: {} });

/** The commands that take `ReturnConsumedCapacity`, and whether what they consume is written or read. */
const UNITS_OF: Record<string, 'read' | 'write'> = {
  GetItemCommand: 'read',
  BatchGetItemCommand: 'read',
  QueryCommand: 'read',
  ScanCommand: 'read',
  TransactGetItemsCommand: 'read',
  PutItemCommand: 'write',
  UpdateItemCommand: 'write',
  DeleteItemCommand: 'write',
  BatchWriteItemCommand: 'write',
  TransactWriteItemsCommand: 'write',
};
const TRANSACTIONAL = new Set(['TransactGetItemsCommand', 'TransactWriteItemsCommand']);

/** lib-dynamodb's commands name themselves without `Item`; the tally speaks the service's names. */
const serviceName = (name: string) =>
  ({ GetCommand: 'GetItemCommand', PutCommand: 'PutItemCommand', UpdateCommand: 'UpdateItemCommand', DeleteCommand: 'DeleteItemCommand', BatchGetCommand: 'BatchGetItemCommand', BatchWriteCommand: 'BatchWriteItemCommand', TransactGetCommand: 'TransactGetItemsCommand', TransactWriteCommand: 'TransactWriteItemsCommand' })[name] ?? name;

const tallies = new WeakMap<object, CapacityTally>();

/** The tally of a client that `tallyCapacity` was attached to. */
export const capacityTallyOf = (client: DynamoDBClient | DynamoDBDocumentClient): CapacityTally | undefined => tallies.get(client.middlewareStack);

/**
 * Attaches the tally to a client (once; a second call returns the first tally). `reset` it between
 * the phases of a measurement with `Object.assign(tally, emptyTally())`.
 */
export function tallyCapacity(client: DynamoDBClient | DynamoDBDocumentClient): CapacityTally {
  const existing = tallies.get(client.middlewareStack);
  if (existing) return existing;
  const tally = emptyTally();
  tallies.set(client.middlewareStack, tally);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = serviceName(String(context.commandName ?? ''));
      const kind = UNITS_OF[command];
      if (!kind) return next(args);
      const input = args.input as { ReturnConsumedCapacity?: string; TransactItems?: Array<Record<string, { Item?: unknown } | undefined>> };
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const result = await next(args);
      const reported = (result.output as { ConsumedCapacity?: Consumed | Consumed[] }).ConsumedCapacity;
      const list = Array.isArray(reported) ? reported : reported ? [reported] : [];
      const units = command === 'TransactWriteItemsCommand' ? transactionWriteUnits(input.TransactItems ?? []) : list.reduce((sum, c) => sum + (c.CapacityUnits ?? (c.ReadCapacityUnits ?? 0) + (c.WriteCapacityUnits ?? 0)), 0) * (TRANSACTIONAL.has(command) ? 2 : 1);
      const entry = (tally.byCommand[command] ??= { calls: 0, readUnits: 0, writeUnits: 0 });
      entry.calls++;
      tally.calls++;
      if (kind === 'read') {
        entry.readUnits += units;
        tally.readUnits += units;
      } else {
        entry.writeUnits += units;
        tally.writeUnits += units;
      }
      return result;
    },
    { step: 'initialize', name: 'capacityTally', override: true },
  );
  return tally;
}

/** What AWS bills a TransactWriteItems: two units per started KB of each put item, two per other item. */
export function transactionWriteUnits(items: ReadonlyArray<Record<string, { Item?: unknown } | undefined>>): number {
  let units = 0;
  for (const t of items) {
    const item = t.Put?.Item;
    units += 2 * (item ? Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(item)) / 1024)) : 1);
  }
  return units;
}

/**
 * On-demand prices in ap-northeast-2 (Seoul), USD per million request units: the AWS price list
 * after the November 2024 on-demand reduction. Written here so every figure names the price it used.
 */
export const SEOUL_ON_DEMAND_USD_PER_MILLION = { writeRequestUnits: 0.6778, readRequestUnits: 0.1356, asOf: '2024-11 AWS DynamoDB pricing, ap-northeast-2 on-demand' } as const;

/** What `tally` costs on demand in Seoul, in USD. */
export const onDemandUsd = (units: { readUnits: number; writeUnits: number }) =>
  (units.writeUnits * SEOUL_ON_DEMAND_USD_PER_MILLION.writeRequestUnits + units.readUnits * SEOUL_ON_DEMAND_USD_PER_MILLION.readRequestUnits) / 1e6;
