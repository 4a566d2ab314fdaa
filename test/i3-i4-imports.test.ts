/** SPEC I3, I4, I6, I7: imports through the state machine, all or nothing, crash at every step. */
import { afterEach, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import { armCrash, disarmAll, type CrashPoint } from '#shared/imports/faults';
import { useTestApp, type TestApp } from './support/app';
import { allSubscribers, counts, createGroup, snapshot } from './support/lists';
import { connect, importNow, linkedList, startImport, waitForJob } from './support/integrations';

let app: TestApp;
useTestApp((started) => {
  app = started.app;
}, { importRetryIntervalMs: 5, importTuning: { pageSize: 40, pageConcurrency: 3, writeConcurrency: 2 } });

const sim = () => app.runtime.simulator!.control;
afterEach(() => {
  disarmAll();
  sim().sixshop.reset();
  sim().donus.reset();
});

/** Items stored under generation `gen` of a list (every shard). */
async function itemsOfGeneration(listId: number, gen: number): Promise<number> {
  let n = 0;
  for (let shard = 0; shard < SUBSCRIBER_SHARDS; shard++) {
    const res = await app.runtime.deps.db.send(
      new QueryCommand({ TableName: app.runtime.deps.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.subscriberPartition(listId, gen, shard) }, Select: 'COUNT' }),
    );
    n += res.Count ?? 0;
  }
  return n;
}

async function listGen(listId: number): Promise<number> {
  const res = await app.runtime.deps.db.send(
    new QueryCommand({ TableName: app.runtime.deps.tableName, KeyConditionExpression: 'PK = :pk AND SK = :sk', ExpressionAttributeValues: { ':pk': keys.list(listId).PK, ':sk': '#META' } }),
  );
  return Number(res.Items![0]!.gen);
}

async function connectedWorkspace(provider: 'sixshop' | 'donus') {
  const w = await app.newWorkspace();
  await connect(w.api, provider);
  const listId = await linkedList(w.api, provider);
  return { ...w, listId };
}

describe('I3 import', () => {
  it('I3: the start answers a job id at once; the job completes with its progress; the list holds the members', async () => {
    sim().sixshop.set({ memberCount: 150 });
    const { api, listId } = await connectedWorkspace('sixshop');
    const started = await startImport(api, listId);
    expect(started.jobId).toMatch(/^[a-z0-9]+$/);
    expect(started.status).toBe('running');
    expect(started.alreadyRunning).toBe(false);
    const done = await waitForJob(app, api, listId, started.jobId);
    expect(done).toMatchObject({ status: 'completed', total: 150, membersRead: 150, membersWritten: 150, membersSkipped: 0, error: null });
    expect(await counts(api, listId)).toEqual({ subscribed: 150, unsubscribed: 0, autoDeleted: 0, total: 150 });
    const members = await allSubscribers(api, listId);
    expect(members.size).toBe(150);
    expect(members.get('member3@sixshop.example.com')).toMatchObject({
      email: 'member3@sixshop.example.com',
      status: 'subscribed',
      name: '회원3',
      phone: '010-0000-0003',
      memberNo: '100003',
      grade: 'VIP',
      birthday: '1973-04-04',
      $ad_agreed: 'N',
    });
    expect(members.get('member4@sixshop.example.com')?.$ad_agreed).toBe('Y');
  });
});
