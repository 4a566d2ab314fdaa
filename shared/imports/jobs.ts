/**
 * SPEC I3: import jobs. Starting one takes the list's import lock (one conditional write with
 * the job's creation) and starts the state machine; the caller gets the job id at once and
 * polls the job for its status and progress. A list has at most one running import: a second
 * start answers the running job.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import { loadListContext, type ListRecord } from '#shared/lists/model';
import { isConnected } from '#shared/integrations/connections';
import { isProvider, type Provider } from '#shared/integrations/providers';
import { logger } from '#shared/logger';
import { randomId } from '#shared/workspaces/ids';

export type JobStatus = 'running' | 'completed' | 'failed';

export interface ImportJob {
  jobId: string;
  listId: number;
  workspaceId: string;
  provider: Provider;
  /** The generation this import writes; the list's generation when it started. */
  gen: number;
  previousGen: number;
  status: JobStatus;
  /** Members on the provider's side (known once the first step ran). */
  total: number | null;
  membersRead: number;
  membersWritten: number;
  /** Provider records without a usable email. */
  membersSkipped: number;
  startedAt: string;
  /** The last sign of life of its execution (issue 12). */
  heartbeatAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

/** The input every task of the state machine receives. */
export interface JobRef {
  jobId: string;
  listId: number;
  workspaceId: string;
  provider: Provider;
  gen: number;
  previousGen: number;
}

/**
 * Issue 12: while any task of an import runs it writes the job's `heartbeatAt` (at its start and
 * every HEARTBEAT_MS, shared/imports/task-handler.ts). The longest quiet stretch of a live
 * execution is a retry's back-off between tasks (seconds), so a running job whose heartbeat is
 * older than STALE_JOB_MS has no execution any more: its lock is free and the job is failed
 * (`INTERRUPTED`) the next time anyone reads it or starts an import on its list.
 */
export const HEARTBEAT_MS = 30_000;
export const STALE_JOB_MS = 5 * 60_000;

export const toImportJob = (item: Record<string, unknown>): ImportJob => ({
  jobId: String(item.jobId),
  listId: Number(item.listId),
  workspaceId: String(item.workspaceId),
  provider: item.provider as Provider,
  gen: Number(item.gen),
  previousGen: Number(item.previousGen),
  status: item.status as JobStatus,
  total: item.total === undefined || item.total === null ? null : Number(item.total),
  membersRead: Number(item.membersRead ?? 0),
  membersWritten: Number(item.membersWritten ?? 0),
  membersSkipped: Number(item.membersSkipped ?? 0),
  startedAt: String(item.startedAt),
  heartbeatAt: String(item.heartbeatAt ?? item.startedAt),
  finishedAt: item.finishedAt ? String(item.finishedAt) : null,
  error: (item.error as ImportJob['error']) ?? null,
});

export const jobView = (j: ImportJob) => ({
  jobId: j.jobId,
  listId: j.listId,
  provider: j.provider,
  status: j.status,
  total: j.total,
  membersRead: j.membersRead,
  membersWritten: j.membersWritten,
  membersSkipped: j.membersSkipped,
  startedAt: j.startedAt,
  finishedAt: j.finishedAt,
  error: j.error,
});

export async function loadJob(deps: Pick<Deps, 'db' | 'tableName'>, listId: number, jobId: string): Promise<ImportJob | undefined> {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.importJob(listId, jobId), ConsistentRead: true }));
  return res.Item ? toImportJob(res.Item) : undefined;
}

export async function getJob(deps: Pick<Deps, 'db' | 'tableName' | 'clock' | 'metrics'>, workspaceId: string, listId: number, jobId: string): Promise<ImportJob> {
  await loadListContext(deps, workspaceId, listId);
  const job = await loadJob(deps, listId, jobId);
  if (!job || job.workspaceId !== workspaceId) throw new ApiError('IMPORT_NOT_FOUND');
  if (isStale(deps, job)) {
    await interrupt(deps, job);
    return (await loadJob(deps, listId, jobId)) ?? job;
  }
  return job;
}

/** Running with no sign of life for STALE_JOB_MS: its execution is gone. */
export const isStale = (deps: Pick<Deps, 'clock'>, job: ImportJob): boolean =>
  job.status === 'running' && deps.clock.now().getTime() - Date.parse(job.heartbeatAt) > STALE_JOB_MS;

const INTERRUPTED_MESSAGE = 'the import stopped without finishing (its execution is gone); the list is unchanged';

/**
 * A job whose execution is gone: the list's lock is released and its generation listed for the
 * next import's Prepare to delete, then the job is failed. The lock goes first: a crash between
 * the two leaves a stale job that the next read finishes. Conditional on the heartbeat read,
 * so a job that beat meanwhile is left alone.
 */
async function interrupt(deps: Pick<Deps, 'db' | 'tableName' | 'clock' | 'metrics'>, job: ImportJob) {
  const seen = await loadJob(deps, job.listId, job.jobId);
  if (!seen || !isStale(deps, seen)) return;
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.list(job.listId),
      UpdateExpression: 'REMOVE importJobId, importStartedAt ADD staleGens :g',
      ConditionExpression: 'importJobId = :job',
      ExpressionAttributeValues: { ':job': job.jobId, ':g': new Set([job.gen]) },
    }),
  ).catch((error: Error) => {
    if (error.name !== 'ConditionalCheckFailedException') throw error;
  });
  logger.warn('import job interrupted: no heartbeat', { jobId: job.jobId, listId: job.listId, heartbeatAt: seen.heartbeatAt });
  await failJob(deps, job.listId, job.jobId, 'INTERRUPTED', INTERRUPTED_MESSAGE, seen.heartbeatAt);
}

/** The job's sign of life; nothing once it is no longer running. */
export async function heartbeat(deps: Pick<Deps, 'db' | 'tableName' | 'clock'>, listId: number, jobId: string): Promise<void> {
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.importJob(listId, jobId),
      UpdateExpression: 'SET heartbeatAt = :now',
      ConditionExpression: '#s = :running',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':now': deps.clock.now().toISOString(), ':running': 'running' },
    }),
  ).catch((error: Error) => {
    if (error.name !== 'ConditionalCheckFailedException') throw error;
  });
}

/** Import state kept on the list item besides ListRecord (never shown as is). */
interface ListImportState {
  importJobId?: string;
  importStartedAt?: string;
  genSeq?: number;
}

async function readListItem(deps: Pick<Deps, 'db' | 'tableName'>, listId: number) {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.list(listId), ConsistentRead: true }));
  return res.Item as (ListRecord & ListImportState) | undefined;
}

export const linkedProvider = (list: Pick<ListRecord, 'kind'>): Provider | undefined => (isProvider(list.kind) ? list.kind : undefined);

/** Starts an import, or answers the one already running on the list. */
export async function startImport(deps: Deps, workspaceId: string, listId: number): Promise<{ job: ImportJob; alreadyRunning: boolean }> {
  const { list } = await loadListContext(deps, workspaceId, listId);
  const provider = linkedProvider(list);
  if (!provider) throw new ApiError('LIST_NOT_LINKED');
  if (!(await isConnected(deps, workspaceId, provider))) throw new ApiError('INTEGRATION_NOT_CONNECTED', `provider=${provider}`);

  for (let attempt = 0; attempt < 3; attempt++) {
    const item = await readListItem(deps, listId);
    if (!item || item.workspaceId !== workspaceId) throw new ApiError('LIST_NOT_FOUND');
    const now = deps.clock.now();
    if (item.importJobId) {
      // The lock is free when its job is gone, finished, or silent for STALE_JOB_MS.
      const holder = await loadJob(deps, listId, item.importJobId);
      if (holder && holder.status === 'running' && !isStale(deps, holder)) return { job: holder, alreadyRunning: true };
    }
    const previousGen = Number(item.gen);
    const gen = Math.max(previousGen, Number(item.genSeq ?? previousGen)) + 1;
    const jobId = `${now.getTime().toString(36)}${randomId(8)}`;
    const startedAt = now.toISOString();
    const job: ImportJob = {
      jobId,
      listId,
      workspaceId,
      provider,
      gen,
      previousGen,
      status: 'running',
      total: null,
      membersRead: 0,
      membersWritten: 0,
      membersSkipped: 0,
      startedAt,
      heartbeatAt: startedAt,
      finishedAt: null,
      error: null,
    };
    // A stale lock's generation may hold leftovers of an execution that vanished: listed for the next Prepare.
    const takeover = item.importJobId !== undefined;
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: deps.tableName,
                Key: keys.list(listId),
                UpdateExpression: `SET importJobId = :job, importStartedAt = :now, genSeq = :gen${takeover ? ' ADD staleGens :stale' : ''}`,
                ConditionExpression: takeover
                  ? 'importJobId = :old AND gen = :prev'
                  : 'attribute_not_exists(importJobId) AND gen = :prev AND workspaceId = :ws',
                ExpressionAttributeValues: {
                  ':job': jobId,
                  ':now': startedAt,
                  ':gen': gen,
                  ':prev': previousGen,
                  ...(takeover ? { ':old': item.importJobId, ':stale': new Set([Number(item.genSeq ?? previousGen)]) } : { ':ws': workspaceId }),
                },
              },
            },
            {
              Put: {
                TableName: deps.tableName,
                Item: { ...keys.importJob(listId, jobId), type: 'importJob', ...job },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
    } catch (error) {
      // Another start won the lock (or the list changed): look again.
      if (error instanceof TransactionCanceledException) continue;
      throw error;
    }
    if (takeover) await failJob(deps, listId, item.importJobId!, 'INTERRUPTED', INTERRUPTED_MESSAGE);
    const ref: JobRef = { jobId, listId, workspaceId, provider, gen, previousGen };
    try {
      await deps.workflow.startImport(jobId, { ...ref });
    } catch (error) {
      logger.error('import state machine did not start', { jobId, error: error as Error });
      await releaseLock(deps, ref, 'START_FAILED', 'the import could not be started');
      throw error;
    }
    return { job, alreadyRunning: false };
  }
  throw new ApiError('INTERNAL_ERROR', 'the import lock kept changing');
}

/** Marks a job failed unless it already finished (or, given `heartbeatAt`, unless it beat since). */
export async function failJob(deps: Pick<Deps, 'db' | 'tableName' | 'clock' | 'metrics'>, listId: number, jobId: string, code: string, message: string, heartbeatAt?: string) {
  try {
    const failed = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.importJob(listId, jobId),
        UpdateExpression: 'SET #s = :failed, finishedAt = :now, #e = :error',
        ConditionExpression: heartbeatAt ? '#s = :running AND (heartbeatAt = :beat OR attribute_not_exists(heartbeatAt))' : '#s = :running',
        ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
        ExpressionAttributeValues: {
          ':failed': 'failed',
          ':running': 'running',
          ':now': deps.clock.now().toISOString(),
          ':error': { code, message },
          ...(heartbeatAt ? { ':beat': heartbeatAt } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    // Issue 17: counted where the job became failed, once (INTERRUPTED, START_FAILED, a compensation's fallback).
    deps.metrics.add('ImportsFailed', 1, { Provider: String(failed.Attributes?.provider) });
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
}

/** Releases the list's lock held by this job (nothing was written yet) and fails the job. */
async function releaseLock(deps: Deps, ref: JobRef, code: string, message: string) {
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.list(ref.listId),
      UpdateExpression: 'REMOVE importJobId, importStartedAt',
      ConditionExpression: 'importJobId = :job',
      ExpressionAttributeValues: { ':job': ref.jobId },
    }),
  ).catch((error: Error) => {
    if (error.name !== 'ConditionalCheckFailedException') throw error;
  });
  await failJob(deps, ref.listId, ref.jobId, code, message);
}
