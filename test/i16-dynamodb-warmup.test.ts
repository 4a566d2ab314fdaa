/**
 * Issue 16 (cold import): `npm start` warms DynamoDB Local's JIT in the background
 * (shared/local/dynamodb-warmup.ts). What a user or operator could notice: it leaves no table
 * behind, touches nothing of the application's table, waits while the application has calls in
 * flight, and stops when the runtime closes.
 */
import { describe, expect, inject, it } from 'vitest';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbWarmup, warmupTableName } from '#shared/local/dynamodb-warmup';
import { useTestApp, type ApiClient, type TestApp } from './support/app';

// The runtime's own warm-up kept small: tests measure behaviour, not speed.
process.env.DYNAMODB_WARMUP_ITEMS = '500';
let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s), { warmDatabase: true });

const client = () => new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const tables = async () => {
  const c = client();
  try {
    return (await c.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    c.destroy();
  }
};

describe('issue 16: the start warms DynamoDB Local in the background', () => {
  it("writes what it was asked to on a scratch table, then drops it; the application's table stays as it was", async () => {
    const tableName = `warmup-test-${Date.now()}`;
    const warmup = startDynamoDbWarmup({ endpoint: inject('dynamoEndpoint'), tableName, items: 500 });
    const report = await warmup.done;
    expect(report.items).toBeGreaterThanOrEqual(500);
    expect(report.stopped).toBeUndefined();
    expect(await tables()).not.toContain(warmupTableName(tableName));
    // Generous: a shared, loaded machine makes a fresh JVM's first table and writes slow.
  }, 180_000);

  it('sends nothing while the application has calls in flight', async () => {
    const tableName = `warmup-busy-${Date.now()}`;
    let busy = true;
    const warmup = startDynamoDbWarmup({ endpoint: inject('dynamoEndpoint'), tableName, items: 500, busy: () => busy });
    // Its first call (dropping a leftover table) would come at once; it waits instead.
    await new Promise((r) => setTimeout(r, 300));
    let settled = false;
    void warmup.done.then(() => (settled = true));
    expect(settled).toBe(false);
    busy = false;
    expect((await warmup.done).items).toBeGreaterThanOrEqual(500);
  }, 180_000);

  it('stops when asked (the runtime closing) and still drops its table', async () => {
    const tableName = `warmup-stop-${Date.now()}`;
    const warmup = startDynamoDbWarmup({ endpoint: inject('dynamoEndpoint'), tableName, items: 1_000_000 });
    const deadline = Date.now() + 60_000;
    while (!(await tables()).includes(warmupTableName(tableName)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await warmup.stop();
    const report = await warmup.done;
    expect(report.stopped).toBe(true);
    expect(report.items).toBeLessThan(1_000_000);
    expect(await tables()).not.toContain(warmupTableName(tableName));
  }, 180_000);

  it('runs in a runtime started with warmDatabase and answers requests meanwhile', async () => {
    const res = await api.request('GET', '/v2/auth-check');
    expect(res.status).toBe(200);
    const report = await app.runtime.databaseWarm;
    expect(report?.items).toBeGreaterThanOrEqual(500);
    expect(await tables()).not.toContain(warmupTableName(app.runtime.deps.tableName));
  }, 180_000);
});
