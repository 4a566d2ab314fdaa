/**
 * Issue 12, point 5: a killed import no longer blocks its list. SPEC I3, I4, I7 and
 * docs/imports.md, "After a crash": the local runtime persists each execution and, at start,
 * resumes it (or fails it past IMPORT_MAX_RESUMES); a job with no heartbeat for STALE_JOB_MS
 * is failed `INTERRUPTED` and its list freed; the dead generation's items are swept.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#shared/db/client';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import { defaultTableName } from '#shared/table/definition';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startImport as startImportJob, HEARTBEAT_MS, STALE_JOB_MS } from '#shared/imports/jobs';
import { DEFAULT_MAX_RESUMES } from '#shared/local/workflow-runner';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { counts } from './support/lists';
import { connect, linkedList, startImport, type JobView } from './support/integrations';
import { startChildRuntime, type ChildRuntime } from './support/child-runtime';

/** Items of every generation of the list, by generation (subscribers, memberships, counters). */
async function itemsByGeneration(db: DynamoDBDocumentClient, tableName: string, listId: number, gens: number[]): Promise<Record<number, number>> {
  const out: Record<number, number> = {};
  for (const gen of gens) {
    out[gen] = 0;
    for (let shard = 0; shard < SUBSCRIBER_SHARDS; shard++) {
      const res = await db.send(
        new QueryCommand({ TableName: tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.subscriberPartition(listId, gen, shard) }, Select: 'COUNT', ConsistentRead: true }),
      );
      out[gen] += res.Count ?? 0;
    }
  }
  return out;
}

async function listItem(db: DynamoDBDocumentClient, tableName: string, listId: number) {
  return (await db.send(new GetCommand({ TableName: tableName, Key: keys.list(listId), ConsistentRead: true }))).Item!;
}

/** Polls the job over HTTP until it is final. */
async function finalJob(api: ApiClient, listId: number, jobId: string, timeoutMs = 120_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.get<JobView>(`/v2/lists/${listId}/imports/${jobId}`);
    expect(res.status, res.text).toBe(200);
    if (res.json.status !== 'running') return res.json;
    if (Date.now() > deadline) throw new Error(`import ${jobId} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('issue 12: docs/imports.md, "After a crash"', () => {
  it('states the heartbeat, the stale rule and the resumes the code has', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '..', 'docs', 'imports.md'), 'utf8');
    expect(doc).toContain(`every ${HEARTBEAT_MS / 1000} s while it runs`);
    expect(doc).toContain(`more than **${STALE_JOB_MS / 60_000} minutes** old`);
    expect(doc).toContain(`whose heartbeat is more than **${STALE_JOB_MS / 60_000} minutes** old`);
    expect(doc).toContain(`resumed at most **${DEFAULT_MAX_RESUMES} times** (\`IMPORT_MAX_RESUMES\`)`);
    expect(doc).not.toMatch(/two hours/);
  });
});

describe('issue 12: a job whose execution is gone (in-process)', () => {
  let app: TestApp;
  useTestApp((started) => {
    app = started.app;
  }, { importRetryIntervalMs: 5, importTuning: { pageSize: 40, pageConcurrency: 2, writeConcurrency: 2 } });

  const later = (ms: number) => {
    const clock = app.runtime.deps.clock as { now: () => Date };
    const realNow = clock.now;
    clock.now = () => new Date(Date.now() + ms);
    return () => (clock.now = realNow);
  };

  it('I3: a running job with no heartbeat for STALE_JOB_MS (minutes, not hours) answers failed INTERRUPTED, and its list takes a new import at once', async () => {
    expect(STALE_JOB_MS).toBeLessThanOrEqual(10 * 60_000);
    const { api } = await app.newWorkspace();
    await connect(api, 'sixshop');
    const listId = await linkedList(api, 'sixshop');
    // The job is committed but its execution never starts: the process died in between.
    const ws = (await app.runtime.deps.db.send(new GetCommand({ TableName: app.runtime.deps.tableName, Key: keys.list(listId) }))).Item!.workspaceId as string;
    const { job } = await startImportJob({ ...app.runtime.deps, workflow: { startImport: async () => ({ executionId: 'never-ran' }), startEmailSend: async () => ({ executionId: 'never-ran' }) } }, ws, listId);

    const fresh = await api.get<JobView>(`/v2/lists/${listId}/imports/${job.jobId}`);
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.json.status).toBe('running');
    expect(await startImport(api, listId)).toMatchObject({ jobId: job.jobId, alreadyRunning: true });

    const restore = later(STALE_JOB_MS + 60_000);
    try {
      const stale = await api.get<JobView>(`/v2/lists/${listId}/imports/${job.jobId}`);
      expect(stale.status, stale.text).toBe(200);
      expect(stale.json).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
      const list = await listItem(app.runtime.deps.db, app.runtime.deps.tableName, listId);
      expect(list.importJobId).toBeUndefined();
      expect([...(list.staleGens as Set<number>)]).toContain(job.gen);
      const next = await startImport(api, listId);
      expect(next.jobId).not.toBe(job.jobId);
      expect(next.alreadyRunning).toBe(false);
    } finally {
      restore();
    }
    await app.runtime.workflow.idle();
  });

  it('I3: the tasks keep the heartbeat: a job that runs longer than STALE_JOB_MS is not taken over while it beats', async () => {
    const { api } = await app.newWorkspace();
    await connect(api, 'sixshop');
    const listId = await linkedList(api, 'sixshop');
    app.runtime.simulator!.control.sixshop.set({ memberCount: 200, slowPageMs: 150 });
    try {
      const first = await startImport(api, listId);
      // Ten minutes pass while it runs: every task start beats with the (moved) clock.
      const restore = later(2 * STALE_JOB_MS);
      try {
        const key = keys.importJob(listId, first.jobId);
        const beatLater = async () => {
          const item = (await app.runtime.deps.db.send(new GetCommand({ TableName: app.runtime.deps.tableName, Key: key, ConsistentRead: true }))).Item!;
          return item.status !== 'running' || Date.parse(String(item.heartbeatAt)) > Date.now() + STALE_JOB_MS;
        };
        const deadline = Date.now() + 30_000;
        while (!(await beatLater())) {
          if (Date.now() > deadline) throw new Error('no heartbeat written');
          await new Promise((r) => setTimeout(r, 20));
        }
        const again = await startImport(api, listId);
        if (again.status === 'running') expect(again).toMatchObject({ jobId: first.jobId, alreadyRunning: true });
        expect((await finalJob(api, listId, first.jobId)).status).toBe('completed');
      } finally {
        restore();
      }
    } finally {
      app.runtime.simulator!.control.sixshop.reset();
      await app.runtime.workflow.idle();
    }
  });
});

describe('issue 12: kill -9 of the runtime during an import (child process)', () => {
  let rt: ChildRuntime | undefined;
  let db: DynamoDBDocumentClient | undefined;
  afterEach(async () => {
    db?.destroy();
    db = undefined;
    await rt?.close();
    rt = undefined;
  });
  afterAll(() => rt?.close());

  async function crashedImport(crashAt: string, members: number) {
    rt = await startChildRuntime({ env: { CRASH_AT: crashAt } });
    const sim = await fetch(`${rt.ready.simulatorUrl}/_sim/sixshop/config`, { method: 'POST', body: JSON.stringify({ memberCount: members }) });
    expect(sim.status).toBe(200);
    await connect(rt.api, 'sixshop');
    const listId = await linkedList(rt.api, 'sixshop');
    const job = await startImport(rt.api, listId);
    const exit = await rt.exited;
    expect(exit.crashPoint, rt.output()).toBe(crashAt.replace(/:\d+$/, ''));
    return { listId, job };
  }

  const connectDb = () => (db = createDocumentClient({ endpoint: rt!.ready.dynamoEndpoint, region: 'local' }));

  it('I4: killed after some pages were written, the restarted runtime resumes the import to completed; the list takes a new import; nothing of another generation is left', async () => {
    const { listId, job } = await crashedImport('import:write-page:after:2', 3000);
    await rt!.restart();
    const done = await finalJob(rt!.api, listId, job.jobId);
    expect(done).toMatchObject({ status: 'completed', membersRead: 3000, membersWritten: 3000 });
    expect(await counts(rt!.api, listId)).toMatchObject({ total: 3000 });

    const next = await startImport(rt!.api, listId);
    expect(next.alreadyRunning).toBe(false);
    expect((await finalJob(rt!.api, listId, next.jobId)).status).toBe('completed');

    const d = connectDb();
    const list = await listItem(d, defaultTableName, listId);
    expect(list.importJobId).toBeUndefined();
    const gens = Array.from({ length: Number(list.genSeq) + 1 }, (_, g) => g);
    let items: Record<number, number> = {};
    await expectSoon(async () => {
      items = await itemsByGeneration(d, defaultTableName, listId, gens);
      const others = Object.entries(items).filter(([g, n]) => Number(g) !== Number(list.gen) && n > 0);
      return others.length === 0 && items[Number(list.gen)]! > 0;
    }, () => `every generation but the current one (${list.gen}) to be empty: ${JSON.stringify(items)}`);
    expect(rt!.outbox()).toEqual([]);
  }, 900_000);

  it('I4: an import that keeps dying is given up at the next start (IMPORT_MAX_RESUMES): failed INTERRUPTED, its generation swept, the list unchanged and free', async () => {
    const { listId, job } = await crashedImport('import:write-page:after:1', 3000);
    await rt!.restart({ env: { IMPORT_MAX_RESUMES: '0' } });
    const done = await finalJob(rt!.api, listId, job.jobId);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
    expect(await counts(rt!.api, listId)).toMatchObject({ total: 0 });

    const d = connectDb();
    const list = await listItem(d, defaultTableName, listId);
    expect(list.importJobId).toBeUndefined();
    const dead = await d.send(new GetCommand({ TableName: defaultTableName, Key: keys.importJob(listId, job.jobId), ConsistentRead: true }));
    const deadGen = Number(dead.Item!.gen);
    expect(Number(list.gen)).not.toBe(deadGen);
    expect((await itemsByGeneration(d, defaultTableName, listId, [deadGen]))[deadGen]).toBe(0);

    const next = await startImport(rt!.api, listId);
    expect(next.alreadyRunning).toBe(false);
    expect((await finalJob(rt!.api, listId, next.jobId)).status).toBe('completed');
    expect(await counts(rt!.api, listId)).toMatchObject({ total: 3000 });
  }, 900_000);

  it('I4: killed just after the switch committed, the restart finishes the cleanup: the previous generation is deleted', async () => {
    rt = await startChildRuntime();
    await fetch(`${rt.ready.simulatorUrl}/_sim/sixshop/config`, { method: 'POST', body: JSON.stringify({ memberCount: 500 }) });
    await connect(rt.api, 'sixshop');
    const listId = await linkedList(rt.api, 'sixshop');
    const first = await startImport(rt.api, listId);
    expect((await finalJob(rt.api, listId, first.jobId)).status).toBe('completed');
    await rt.restart({ env: { CRASH_AT: 'import:switch:after-commit' } });
    await fetch(`${rt.ready.simulatorUrl}/_sim/sixshop/config`, { method: 'POST', body: JSON.stringify({ memberCount: 700 }) });
    const second = await startImport(rt.api, listId);
    expect((await rt.exited).crashPoint, rt.output()).toBe('import:switch:after-commit');
    await rt.restart();
    expect((await finalJob(rt.api, listId, second.jobId)).status).toBe('completed');
    expect(await counts(rt.api, listId)).toMatchObject({ total: 700 });
    const d = connectDb();
    const firstGen = Number((await d.send(new GetCommand({ TableName: defaultTableName, Key: keys.importJob(listId, first.jobId) }))).Item!.gen);
    await expectSoon(async () => (await itemsByGeneration(d, defaultTableName, listId, [firstGen]))[firstGen] === 0, 'the previous generation to be deleted');
  }, 900_000);
});

async function expectSoon(check: () => Promise<boolean>, what: string | (() => string), timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
