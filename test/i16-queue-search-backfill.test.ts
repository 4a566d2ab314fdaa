/**
 * Issue 16, SPEC A5: `npm run admin -- backfill-queue-search` gives sends queued before the
 * queue-search index existed (the old `search` text, no tokens) their tokens, so the search
 * finds them; a second run changes nothing (shared/operator/queue-search-backfill.ts).
 */
import { describe, expect, it } from 'vitest';
import { BatchWriteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { createList } from './support/lists';
import { admin } from './support/admin-cli';
import { add, dashboard, movableClock, queue, started, waitFor } from './support/automations';
import { keys, QUEUE_TOKEN_SHARDS } from '#shared/table/keys';
import { backfillQueueSearch } from '#shared/operator/queue-search-backfill';

const clock = movableClock(new Date('2026-03-04T03:00:00Z'));
let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s), { clock, schedulerIntervalMs: 50 });

/** Turns a queued send into one queued before the index: the old search text, no token items. */
async function asQueuedBeforeTheIndex(automationId: number, email: string, values: string[]) {
  const { db, tableName } = app.runtime.deps;
  const sends = await db.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.pendingSend(automationId, '', '').PK } }));
  const send = (sends.Items ?? []).find((i) => i.email === email)!;
  const old = [email, ...values].join('\u0001').toLowerCase();
  await db.send(new UpdateCommand({ TableName: tableName, Key: { PK: send.PK, SK: send.SK }, UpdateExpression: 'SET #s = :old', ExpressionAttributeNames: { '#s': 'search' }, ExpressionAttributeValues: { ':old': old } }));
  for (let shard = 0; shard < QUEUE_TOKEN_SHARDS; shard++) {
    const tokens = await db.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.queueTokenPartition(automationId, shard) } }));
    const mine = (tokens.Items ?? []).filter((t) => String(t.SK).endsWith(`\u0000${send.SK}`));
    for (let i = 0; i < mine.length; i += 25) {
      await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: mine.slice(i, i + 25).map((t) => ({ DeleteRequest: { Key: { PK: t.PK, SK: t.SK } } })) } }));
    }
  }
}

const found = async (automationId: number, search: string) => (await queue(api, automationId, `?search=${encodeURIComponent(search)}`)).items.map((i) => i.email);

describe('issue 16 / A5: backfill-queue-search', () => {
  it('writes the tokens of sends queued before the index (found by address, domain and field word afterwards); a second run changes nothing', async () => {
    const listId = await createList(api, 'backfill', [
      { tag: 'name', label: '이름' },
      { tag: 'city', label: '도시' },
    ]);
    const a = await started(api, listId, { subject: 'Later', delay: { value: 1, unit: 'days' } });
    await add(api, listId, [
      { email: 'old@before.test', name: '옛 회원', city: 'Busan Haeundae' },
      { email: 'new@after.test', name: '새 회원', city: 'Seoul' },
    ]);
    await waitFor(() => dashboard(api, a.automationId), (d) => d.queued === 2, 60_000);
    expect(await found(a.automationId, 'haeundae')).toEqual(['old@before.test']);
    await asQueuedBeforeTheIndex(a.automationId, 'old@before.test', ['옛 회원', 'Busan Haeundae']);
    // The gap: a send without tokens is not found.
    expect(await found(a.automationId, 'haeundae')).toEqual([]);
    expect(await found(a.automationId, 'old@')).toEqual([]);

    const run = await admin(app, ['backfill-queue-search']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ sendsWithoutTokens: 1, backfilled: 1 });
    expect(await found(a.automationId, 'haeundae')).toEqual(['old@before.test']);
    expect(await found(a.automationId, 'old@')).toEqual(['old@before.test']);
    expect(await found(a.automationId, '@before.test')).toEqual(['old@before.test']);
    expect(await found(a.automationId, '옛')).toEqual(['old@before.test']);
    expect(await found(a.automationId, 'seoul')).toEqual(['new@after.test']);

    expect(await backfillQueueSearch(app.runtime.deps)).toEqual({ sendsWithoutTokens: 0, backfilled: 0 });
    expect(await found(a.automationId, 'haeundae')).toEqual(['old@before.test']);
  }, 180_000);
});
