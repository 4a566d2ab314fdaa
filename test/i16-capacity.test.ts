/**
 * Issue 16: the capacity tally (shared/db/capacity.ts) counts what AWS would bill, against
 * DynamoDB Local, and is off unless enabled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { useTestApp, type TestApp } from './support/app';
import { createDocumentClient } from '#shared/db/client';
import { capacityTallyOf, onDemandUsd, tallyCapacity, SEOUL_ON_DEMAND_USD_PER_MILLION } from '#shared/db/capacity';

let app: TestApp;
useTestApp((s) => ({ app } = s));

afterEach(() => {
  delete process.env.DYNAMODB_CAPACITY_TALLY;
});

describe('issue 16: capacity units per call', () => {
  it('is off unless DYNAMODB_CAPACITY_TALLY=1', () => {
    expect(capacityTallyOf(createDocumentClient({ endpoint: 'http://127.0.0.1:1', region: 'local' }))).toBeUndefined();
    process.env.DYNAMODB_CAPACITY_TALLY = '1';
    expect(capacityTallyOf(createDocumentClient({ endpoint: 'http://127.0.0.1:1', region: 'local' }))).toMatchObject({ readUnits: 0, writeUnits: 0 });
  });

  it('counts a 3 KB put as 3 write units, a transaction of two small puts and an update as 6, a strong read as 1; priced at Seoul on-demand', async () => {
    const { db, tableName } = app.runtime.deps;
    const tally = tallyCapacity(db);
    const before = { ...tally };
    await db.send(new PutCommand({ TableName: tableName, Item: { PK: 'I16#big', SK: 'x', filler: 'y'.repeat(2900) } }));
    expect(tally.writeUnits - before.writeUnits).toBe(3);
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { PK: 'I16#a', SK: 'x' } } },
          { Put: { TableName: tableName, Item: { PK: 'I16#b', SK: 'x' } } },
          { Update: { TableName: tableName, Key: { PK: 'I16#c', SK: 'x' }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': 1 } } },
        ],
      }),
    );
    expect(tally.writeUnits - before.writeUnits).toBe(9);
    await db.send(new GetCommand({ TableName: tableName, Key: { PK: 'I16#big', SK: 'x' }, ConsistentRead: true }));
    expect(tally.readUnits - before.readUnits).toBe(1);
    expect(tally.byCommand.TransactWriteItemsCommand?.calls).toBeGreaterThanOrEqual(1);
    expect(onDemandUsd({ readUnits: 1e6, writeUnits: 1e6 })).toBeCloseTo(SEOUL_ON_DEMAND_USD_PER_MILLION.readRequestUnits + SEOUL_ON_DEMAND_USD_PER_MILLION.writeRequestUnits, 6);
  });
});
