/**
 * Issue 16: the import benchmark's floor (bench/import.ts) writes, with raw BatchWriteItem, the
 * items an import writes. It builds them with the import's own `pageWrites` and `counterItems`
 * (shared/imports/tasks.ts); this checks that those are exactly what an import leaves in its
 * generation: every member with its status-index keys (GSI1), the index blocks and the counters,
 * item for item, so the floor's count and sizes are the import's (SPEC I3, I4).
 */
import { describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import { adapter, withAccessToken } from '#shared/integrations/connections';
import { counterItems, emptyPerShard, importedRecords, pagePositions, pageWrites } from '#shared/imports/tasks';
import { jsonBytes } from '#shared/db/item-size';
import type { Item } from '#shared/db/batch';
import { useTestApp, type TestApp } from './support/app';
import { connect, importNow, linkedList } from './support/integrations';

const PAGE = 40;
let app: TestApp;
useTestApp((started) => {
  app = started.app;
}, { importRetryIntervalMs: 5, importTuning: { pageSize: PAGE, pageConcurrency: 3, writeConcurrency: 2 } });

/** Every item of generation `gen` of a list, by key (subscribers, index blocks, counters). */
async function generationItems(listId: number, gen: number): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for (let shard = 0; shard < SUBSCRIBER_SHARDS; shard++) {
    let start: Record<string, unknown> | undefined;
    do {
      const res = await app.runtime.deps.db.send(
        new QueryCommand({ TableName: app.runtime.deps.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.subscriberPartition(listId, gen, shard) }, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of res.Items ?? []) out.set(`${String(item.PK)} ${String(item.SK)}`, item);
      start = res.LastEvaluatedKey;
    } while (start);
  }
  return out;
}

/** The one attribute that differs between two writes of the same member: when it was written. */
const undated = (item: Record<string, unknown>) => ({ ...item, updatedAt: typeof item.updatedAt === 'string' ? 'T'.repeat(item.updatedAt.length) : item.updatedAt });

describe('issue 16: the import floor', () => {
  it('I3/I4: pageWrites and counterItems build exactly the items an import writes (members with GSI1 keys, index blocks, counters)', async () => {
    const members = 2 * PAGE + 17;
    app.runtime.simulator!.control.sixshop.set({ memberCount: members });
    const { api, workspaceId } = await app.newWorkspace();
    await connect(api, 'sixshop');
    const listId = await linkedList(api, 'sixshop');
    const job = await importNow(app, api, listId);
    expect(job.status).toBe('completed');
    expect(job.membersWritten).toBe(members);
    const meta = await app.runtime.deps.db.send(new QueryCommand({ TableName: app.runtime.deps.tableName, KeyConditionExpression: 'PK = :pk AND SK = :sk', ExpressionAttributeValues: { ':pk': keys.list(listId).PK, ':sk': '#META' } }));
    const gen = Number(meta.Items![0]!.gen);
    const stored = await generationItems(listId, gen);

    const deps = app.runtime.deps;
    const expected = new Map<string, Item>();
    const perShard = emptyPerShard();
    const pages = Math.ceil(members / PAGE);
    for (let page = 1; page <= pages; page++) {
      const fetched = await withAccessToken(deps, workspaceId, 'sixshop', (token) => adapter(deps, 'sixshop').fetchMembers(token, page, PAGE));
      const built = pageWrites({ listId, gen, page, pageSize: PAGE }, importedRecords(fetched.members, new Date().toISOString()));
      for (const w of built.writes) if ('put' in w) expected.set(`${w.put.PK} ${w.put.SK}`, w.put);
      for (const [status, counts] of Object.entries(built.perShard)) counts.forEach((n, shard) => (perShard[status as keyof typeof perShard][shard]! += n));
    }
    for (const item of counterItems({ listId, gen }, perShard, pagePositions(pages + 1, PAGE))) expected.set(`${item.PK} ${item.SK}`, item);

    const subscribers = [...expected.values()].filter((i) => i.type === 'subscriber');
    expect(subscribers).toHaveLength(members);
    // Every member carries its status-index entry: DynamoDB writes it a second time into GSI1.
    for (const s of subscribers) expect(s).toMatchObject({ GSI1PK: expect.stringMatching(/^SUBST#/), GSI1SK: expect.any(String) });
    expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, item] of expected) {
      const got = stored.get(key)!;
      expect(undated(got), key).toEqual(undated(item));
      expect(jsonBytes(got), key).toBe(jsonBytes(item));
    }
  });
});
