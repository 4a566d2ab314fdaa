/**
 * Issue 17 (metrics, docs/operations.md) with issue 12's resume: `ImportsFailed` counts every
 * import that ends failed, once, however it came to fail: an execution the local runner gives up
 * at start (INTERRUPTED after IMPORT_MAX_RESUMES) and a job whose execution is gone (no heartbeat
 * for STALE_JOB_MS) as well as one the state machine's Catch compensates.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { startImport as startImportJob, STALE_JOB_MS, type JobRef } from '#shared/imports/jobs';
import { startTestApp, type TestApp } from './support/app';
import { connect, importNow, linkedList, startImport, type JobView } from './support/integrations';
import { armCrash, disarmAll } from '#shared/imports/faults';

const apps: TestApp[] = [];
afterEach(async () => {
  disarmAll();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** A job committed running whose execution never ran: the process died right after the start. */
async function orphanedJob(app: TestApp) {
  const { api } = await app.newWorkspace();
  await connect(api, 'sixshop');
  const listId = await linkedList(api, 'sixshop');
  const { deps } = app.runtime;
  const workspaceId = (await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.list(listId) }))).Item!.workspaceId as string;
  let ref: JobRef | undefined;
  const never = async (name: string, input: Record<string, unknown>) => ((ref = input as unknown as JobRef), { executionId: `never:${name}` });
  await startImportJob({ ...deps, workflow: { startImport: never, startEmailSend: never } }, workspaceId, listId);
  return { api, listId, ref: ref! };
}

const failed = (app: TestApp) => app.runtime.metrics.total('ImportsFailed');

describe('ImportsFailed counts each failed import once', () => {
  it('issue 12/17: an execution given up at start (INTERRUPTED past IMPORT_MAX_RESUMES) counts one ImportsFailed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'imports-failed-'));
    const tableName = `t_if_${process.pid}_${Date.now()}`;
    const first = await startTestApp({ dataDir, tableName });
    apps.push(first);
    const { listId, ref } = await orphanedJob(first);
    await first.close();
    apps.splice(0);
    // The record the runner keeps of a running execution, as a kill -9 leaves it: already run once.
    mkdirSync(join(dataDir, 'executions'), { recursive: true });
    writeFileSync(join(dataDir, 'executions', `${ref.jobId}.json`), JSON.stringify({ name: ref.jobId, input: ref, startedAt: new Date().toISOString(), attempts: 1, pid: 1 }));

    const second = await startTestApp({ dataDir, tableName, importMaxResumes: 0 });
    apps.push(second);
    const job = (await second.runtime.deps.db.send(new GetCommand({ TableName: tableName, Key: keys.importJob(listId, ref.jobId), ConsistentRead: true }))).Item as JobView | undefined;
    expect(job).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
    expect(failed(second)).toBe(1);
  });

  /** Moves the runtime's clock past STALE_JOB_MS: the orphaned job's heartbeat is old. */
  const later = (app: TestApp) => {
    const clock = app.runtime.deps.clock as { now: () => Date };
    const realNow = clock.now;
    clock.now = () => new Date(Date.now() + STALE_JOB_MS + 60_000);
    return () => (clock.now = realNow);
  };

  it('issue 12/17: a job whose execution is gone, failed INTERRUPTED when read, counts one ImportsFailed however often it is read', async () => {
    const app = await startTestApp({ importRetryIntervalMs: 5 });
    apps.push(app);
    const { api, listId, ref } = await orphanedJob(app);
    const restore = later(app);
    try {
      for (let i = 0; i < 2; i++) {
        const read = await api.get<JobView>(`/v2/lists/${listId}/imports/${ref.jobId}`);
        expect(read.json).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
      }
      expect(failed(app)).toBe(1);
      expect(app.runtime.metrics.total('ImportsFailed', { Provider: 'sixshop' })).toBe(1);
    } finally {
      restore();
    }
  });

  it('issue 12/17: a stale job taken over by the next import counts one ImportsFailed', async () => {
    const app = await startTestApp({ importRetryIntervalMs: 5 });
    apps.push(app);
    const { api, listId, ref } = await orphanedJob(app);
    const restore = later(app);
    try {
      const next = await startImport(api, listId);
      expect(next.jobId).not.toBe(ref.jobId);
      const old = await api.get<JobView>(`/v2/lists/${listId}/imports/${ref.jobId}`);
      expect(old.json).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
      expect(failed(app)).toBe(1);
    } finally {
      restore();
    }
    await app.runtime.workflow.idle();
  });

  it('I4/17: an import its Catch compensates counts one ImportsFailed, also when the compensation itself crashes and is retried', async () => {
    const app = await startTestApp({ importRetryIntervalMs: 5 });
    apps.push(app);
    const { api } = await app.newWorkspace();
    await connect(api, 'sixshop');
    const listId = await linkedList(api, 'sixshop');
    armCrash('write-page:before', 100);
    armCrash('compensate:after-release', 2);
    expect((await importNow(app, api, listId)).status).toBe('failed');
    expect(failed(app)).toBe(1);
  });
});
