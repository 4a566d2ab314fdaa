/**
 * The import's steps (SPEC I3, I4), one function per Task state of shared/imports/state-machine.ts.
 * Every step is safe to run again after a crash at any line: writes into the new generation are
 * idempotent puts, the switch is one conditional transaction that recognises itself when it
 * already committed, and deletions of a generation can repeat. Until the switch nothing a
 * reader sees has changed; after it, everything has.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { batchGet, batchWrite, keyString, type Item, type WriteRequest } from '#shared/db/batch';
import { INDEX_BLOCK, keys, shardOf, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { loadListContext, type ListContext } from '#shared/lists/model';
import { subscriberItem, batchPartition } from '#shared/subscribers/store';
import type { SubscriberRecord } from '#shared/subscribers/record';
import { subscriberStatuses, type SubscriberStatus } from '#shared/subscribers/status';
import { kstDay } from '#shared/subscribers/v1-format';
import { adapter, withAccessToken } from '#shared/integrations/connections';
import type { ImportedMember } from '#shared/integrations/providers';
import type { OutboxEvent } from '#shared/webhooks/events';
import { logger } from '#shared/logger';
import { crashPoint } from './faults';
import { deleteGeneration } from './generations';
import { failJob, loadJob, type JobRef } from './jobs';
import { recordImportCompleted } from '#shared/metrics/imports';

import type { ImportTuning } from '#shared/ports/import-tuning';
export type { ImportTuning } from '#shared/ports/import-tuning';
export const defaultTuning: ImportTuning = { pageSize: 1000, pageConcurrency: 4, writeConcurrency: 4 };

/** The job was failed or replaced while this task ran: its writes must not stand. Permanent (no Retry). */
export class ImportSuperseded extends Error {
  override readonly name = 'ImportSuperseded';
}

type TaskDeps = Deps;
const tuning = (deps: TaskDeps): ImportTuning => ({ ...defaultTuning, ...deps.importTuning });

/** Groups deleted in the switch transaction; a list with more has the rest deleted by Cleanup. */
const GROUPS_IN_SWITCH = 90;

async function listItem(deps: Pick<Deps, 'db' | 'tableName'>, listId: number) {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.list(listId), ConsistentRead: true }));
  return res.Item;
}

const staleGensOf = (item: Record<string, unknown> | undefined): number[] =>
  item?.staleGens instanceof Set ? [...(item.staleGens as Set<number>)].map(Number) : [];

async function forgetStale(deps: Pick<Deps, 'db' | 'tableName'>, listId: number, gens: number[]) {
  if (!gens.length) return;
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.list(listId),
      UpdateExpression: 'DELETE staleGens :g',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':g': new Set(gens) },
    }),
  ).catch((error: Error) => {
    if (error.name !== 'ConditionalCheckFailedException') throw error;
  });
}

/** Step 1: the job still holds the lock, the connection works, the page count; stale generations go. */
export async function prepare(deps: TaskDeps, ref: JobRef) {
  crashPoint('prepare');
  const item = await listItem(deps, ref.listId);
  if (!item || item.importJobId !== ref.jobId) throw new ImportSuperseded('the list is no longer importing this job');
  const t = tuning(deps);
  const first = await withAccessToken(deps, ref.workspaceId, ref.provider, (token) => adapter(deps, ref.provider).fetchMembers(token, 1, 1));
  const total = Math.max(0, Math.floor(first.total));
  // Generations earlier failures or switches left behind (never the current one, never ours).
  const stale = staleGensOf(item).filter((g) => g !== Number(item.gen) && g !== ref.gen);
  for (const g of stale) await deleteGeneration(deps, ref.listId, g, t.writeConcurrency);
  await forgetStale(deps, ref.listId, stale);
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.importJob(ref.listId, ref.jobId),
      UpdateExpression: 'SET #t = :total',
      ExpressionAttributeNames: { '#t': 'total' },
      ExpressionAttributeValues: { ':total': total },
    }),
  );
  const pageCount = Math.ceil(total / t.pageSize);
  return { ...ref, pageSize: t.pageSize, concurrency: t.pageConcurrency, pages: Array.from({ length: pageCount }, (_, i) => i + 1) };
}

/**
 * What a page checks before it writes, in one consistent BatchGet: that its job still runs (a
 * job failed meanwhile, whose generation compensation may already have swept, gets no more
 * writes), and the previous generation's counters, whose shards holding unsubscribed or
 * auto-deleted members are the only ones whose members need their old status looked up (none
 * on a first import or when nobody opted out, which keeps the common import free of more
 * reads). Read by each page as it is written, so an opt-out made while earlier pages were
 * written still counts.
 */
async function pageChecks(deps: TaskDeps, input: JobRef): Promise<{ running: boolean; jobStatus: string; shardsWithOptOuts: Set<number> }> {
  const jobKey = keys.importJob(input.listId, input.jobId);
  const counterKeys = Array.from({ length: SUBSCRIBER_SHARDS }, (_, shard) => keys.counter(input.listId, input.previousGen, shard));
  const found = await batchGet(deps.db, deps.tableName, [jobKey, ...counterKeys], ['status', 'unsubscribed', 'autoDeleted']);
  const jobStatus = String(found.get(keyString(jobKey))?.status ?? 'gone');
  const shardsWithOptOuts = new Set<number>();
  counterKeys.forEach((key, shard) => {
    const c = found.get(keyString(key));
    if (Number(c?.unsubscribed ?? 0) > 0 || Number(c?.autoDeleted ?? 0) > 0) shardsWithOptOuts.add(shard);
  });
  return { running: jobStatus === 'running', jobStatus, shardsWithOptOuts };
}

/**
 * An opt-out outlives the import: a member who unsubscribed (or whose address bounced or
 * complained) in the previous generation keeps that status in the new one, with the provider's
 * fresh data. The provider's marketing consent is not an answer to an unsubscribe made here.
 */
async function carryOptOuts(deps: TaskDeps, listId: number, previousGen: number, wanted: ReadonlySet<number>, members: { record: SubscriberRecord; shard: number }[]) {
  const lookups = members.filter((m) => wanted.has(m.shard));
  if (!lookups.length) return;
  const found = await batchGet(deps.db, deps.tableName, lookups.map((m) => keys.subscriber(listId, previousGen, m.record.email, m.shard)), ['status', 'statusAt']);
  for (const m of lookups) {
    const old = found.get(keyString(keys.subscriber(listId, previousGen, m.record.email, m.shard)));
    if (old?.status === 'unsubscribed' || old?.status === 'autoDeleted') {
      m.record.status = old.status;
      // The look-ups date an opt-out by when it happened, not by the import (v1 startDate/endDate).
      if (typeof old.statusAt === 'string') m.record.statusAt = old.statusAt;
    }
  }
}

export interface PageResult {
  page: number;
  read: number;
  written: number;
  skipped: number;
  /** Members written per status and shard: summed into the counters at the switch. */
  perShard: Record<SubscriberStatus, number[]>;
  /** The first status-index position after this page's: the switch starts the sequences past every page. */
  nextPos?: number;
}

/** Status-index positions of a page start at a block boundary, so no two pages share a block counter (each page puts its own). */
export const pagePositions = (page: number, pageSize: number) => page * Math.ceil(pageSize / INDEX_BLOCK) * INDEX_BLOCK;

export const emptyPerShard = (): Record<SubscriberStatus, number[]> =>
  Object.fromEntries(subscriberStatuses.map((s) => [s, new Array<number>(SUBSCRIBER_SHARDS).fill(0)])) as Record<SubscriberStatus, number[]>;

/**
 * Step 2, once per page: fetch, map, write into the new generation with BatchWrite (25 a
 * request, unprocessed items retried, several requests in parallel). Only the page is held.
 * After writing, the job is read again: if it was failed meanwhile (compensation may already
 * have swept the generation), this page deletes what it wrote itself.
 */
type PageInput = JobRef & { page: number; pageSize: number };

export function writePage(deps: TaskDeps, input: PageInput): Promise<PageResult> {
  const running = writePageOnce(deps, input);
  let set = inFlight.get(input.jobId);
  if (!set) inFlight.set(input.jobId, (set = new Set()));
  set.add(running);
  void running.catch(() => undefined).finally(() => {
    set.delete(running);
    if (!set.size) inFlight.delete(input.jobId);
  });
  return running;
}

/**
 * Page writes of a job still running in this process. When one page fails, the Map stops
 * waiting for the others, but their handlers run on (in AWS the Lambdas too, which is why the
 * state machine waits out their timeout before its second sweep). Compensation awaits them
 * here before deleting, so locally the first sweep already sees everything.
 */
const inFlight = new Map<string, Set<Promise<unknown>>>();
const drainInFlight = async (jobId: string) => {
  while (inFlight.get(jobId)?.size) await Promise.allSettled([...inFlight.get(jobId)!]);
};

async function writePageOnce(deps: TaskDeps, input: PageInput): Promise<PageResult> {
  crashPoint('write-page:before');
  const t = tuning(deps);
  const page = await withAccessToken(deps, input.workspaceId, input.provider, (token) =>
    adapter(deps, input.provider).fetchMembers(token, input.page, input.pageSize),
  );
  const members = importedRecords(page.members, deps.clock.now().toISOString());
  // After the fetch, not beside it: an opt-out made while the provider answered still counts.
  const checks = await pageChecks(deps, input);
  if (!checks.running) throw new ImportSuperseded(`job is ${checks.jobStatus}`);
  await carryOptOuts(deps, input.listId, input.previousGen, checks.shardsWithOptOuts, members);
  const { writes, perShard } = pageWrites(input, members);
  const read = page.members.length + page.skipped;
  await batchWrite(deps.db, deps.tableName, writes, t.writeConcurrency);
  crashPoint('write-page:after');
  const after = await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.importJob(input.listId, input.jobId),
      // Progress only (a retried page may count twice); the switch writes the exact totals.
      UpdateExpression: 'ADD membersRead :r, membersWritten :w, membersSkipped :s',
      ExpressionAttributeValues: { ':r': read, ':w': members.length, ':s': read - members.length },
      ReturnValues: 'ALL_NEW',
    }),
  );
  if (after.Attributes?.status !== 'running') {
    await batchWrite(deps.db, deps.tableName, writes.map((w) => ({ delete: { PK: (w as { put: Item }).put.PK, SK: (w as { put: Item }).put.SK } })), t.writeConcurrency);
    throw new ImportSuperseded('the job failed while this page was written');
  }
  const written = members.length;
  return { page: input.page, read, written, skipped: read - written, perShard, nextPos: pagePositions(input.page + 1, input.pageSize) };
}


/** A provider page's members as the records of the new generation (a page naming an email twice keeps the last). */
export function importedRecords(members: readonly ImportedMember[], now: string): { record: SubscriberRecord; shard: number }[] {
  const byEmail = new Map(members.map((m) => [m.email, m]));
  return [...byEmail.values()].map((m) => {
    const record: SubscriberRecord = {
      email: m.email,
      status: 'subscribed',
      fields: m.fields,
      adAgreed: m.adAgreed,
      groupIds: [],
      createdAt: m.joinedAt ?? now,
      updatedAt: now,
      statusAt: m.joinedAt ?? now,
      version: 1,
      addedBy: 'MANUAL',
    };
    return { record, shard: shardOf(m.email) };
  });
}

/**
 * Every item a page puts into generation `gen`: its members (each with its status-index entry,
 * GSI1) and the page's index blocks. Also what bench/import.ts writes as the import's floor.
 */
export function pageWrites(input: Pick<PageInput, 'listId' | 'gen' | 'page' | 'pageSize'>, members: readonly { record: SubscriberRecord; shard: number }[]) {
  const perShard = emptyPerShard();
  // The status index (v1 look-ups): each member a position of the page's range, each block of
  // positions counted in its own item, put by this page alone (a retried page puts the same).
  // Positions count per shard and status inside the page, so blocks fill as the API's do.
  const firstPos = pagePositions(input.page, input.pageSize);
  const blocks = new Map<string, Item>();
  // KST is UTC+9 whole hours, so a UTC instant's KST day follows from its hour: one date
  // conversion per hour of join times instead of one per member (toISOString's form only).
  const days = new Map<string, string>();
  const dayOf = (iso: string) => {
    if (iso.length !== 24 || !iso.endsWith('Z')) return kstDay(iso);
    const hour = iso.slice(0, 13);
    let day = days.get(hour);
    if (day === undefined) days.set(hour, (day = kstDay(iso)));
    return day;
  };
  const writes: WriteRequest[] = members.map(({ record, shard }) => {
    perShard[record.status][shard]! += 1;
    record.index = { day: dayOf(record.statusAt), pos: firstPos + perShard[record.status][shard]! - 1 };
    const key = keys.indexBlock(input.listId, input.gen, shard, record.status, record.index.day, Math.floor(record.index.pos / INDEX_BLOCK));
    const block = blocks.get(key.SK + key.PK) ?? { ...key, type: 'indexBlock', n: 0 };
    block.n = Number(block.n) + 1;
    blocks.set(key.SK + key.PK, block);
    return { put: subscriberItem(input, record, shard) as Item };
  });
  for (const block of blocks.values()) writes.push({ put: block });
  return { writes, perShard };
}

/** The 8 counters of generation `gen` the switch puts: members per status and the status index's next positions. */
export function counterItems(ref: Pick<JobRef, 'listId' | 'gen'>, perShard: Record<SubscriberStatus, number[]>, nextPos: number): Item[] {
  return Array.from({ length: SUBSCRIBER_SHARDS }, (_, shard) => ({
    ...keys.counter(ref.listId, ref.gen, shard),
    type: 'counter',
    pos_subscribed: nextPos,
    pos_unsubscribed: nextPos,
    pos_autoDeleted: nextPos,
    subscribed: perShard.subscribed[shard]!,
    unsubscribed: perShard.unsubscribed[shard]!,
    autoDeleted: perShard.autoDeleted[shard]!,
  }));
}

/** The IMPORT_COMPLETED outbox event (and its seal), when the list has an enabled webhook (SPEC L10). */
async function completionEvent(deps: Deps, ref: JobRef, summary: Record<string, unknown>, loaded?: ListContext) {
  const ctx = loaded ?? (await loadListContext(deps, ref.workspaceId, ref.listId).catch(() => undefined));
  if (!ctx || !ctx.webhooks.some((w) => w.enabled && w.events.includes('IMPORT_COMPLETED'))) return [];
  const now = deps.clock.now().toISOString();
  const batchId = randomUUID();
  const event: OutboxEvent = {
    eventId: randomUUID(),
    workspaceId: ref.workspaceId,
    listId: ref.listId,
    eventOccurredBy: 'MANUAL',
    occurredAt: now,
    changes: [{ action: 'IMPORT_COMPLETED', subscriber: summary }],
  };
  const p = batchPartition(batchId);
  return [
    { Put: { TableName: deps.tableName, Item: { ...keys.event(p, `${now}#${batchId}`, event.eventId), type: 'event', batchId, ...event } } },
    { Put: { TableName: deps.tableName, Item: { ...keys.event(p, `${now}#${batchId}`, '~seal'), type: 'eventSeal', batchId } } },
  ];
}

/**
 * Step 3: the counters of the new generation (plain puts: a retry writes the same), then ONE
 * transaction that is the import's commit point: the list moves to the new generation (only if
 * this job still holds its lock and the generation is still the one it started from), its
 * groups and fields are reset, the lock is released, the job is completed and the webhook
 * event recorded. A retry after a commit it did not see finds the job completed and stops.
 */
export async function switchGeneration(deps: TaskDeps, input: JobRef & { pageResults: PageResult[] }) {
  const perShard = emptyPerShard();
  let read = 0;
  let written = 0;
  let skipped = 0;
  for (const r of input.pageResults) {
    read += r.read;
    written += r.written;
    skipped += r.skipped;
    for (const status of subscriberStatuses) r.perShard[status].forEach((n, shard) => (perShard[status][shard]! += n));
  }
  const existing = await loadJob(deps, input.listId, input.jobId);
  if (existing?.status === 'completed') return { switched: true };
  if (existing?.status !== 'running') throw new ImportSuperseded(`job is ${existing?.status ?? 'gone'}`);
  // API writes after the switch take status-index positions past every imported one.
  const nextPos = Math.max(0, ...input.pageResults.map((r) => r.nextPos ?? 0));
  await batchWrite(deps.db, deps.tableName, counterItems(input, perShard, nextPos).map((put) => ({ put })));
  crashPoint('switch:before');
  const ctx = await loadListContext(deps, input.workspaceId, input.listId);
  const groups = [...ctx.groups.keys()];
  const now = deps.clock.now().toISOString();
  const summary = { jobId: input.jobId, provider: input.provider, status: 'completed', membersRead: read, membersWritten: written, membersSkipped: skipped, finishedAt: now };
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: deps.tableName,
              Key: keys.list(input.listId),
              UpdateExpression:
                'SET gen = :gen, #fields = :fields, updatedAt = :now, lastImportAt = :now, lastImportJobId = :job REMOVE importJobId, importStartedAt ADD staleGens :prev',
              ConditionExpression: 'importJobId = :job AND gen = :prevGen',
              ExpressionAttributeNames: { '#fields': 'fields' },
              ExpressionAttributeValues: {
                ':gen': input.gen,
                ':fields': [...adapter(deps, input.provider).fields],
                ':now': now,
                ':job': input.jobId,
                ':prev': new Set([input.previousGen]),
                ':prevGen': input.previousGen,
              },
            },
          },
          {
            Update: {
              TableName: deps.tableName,
              Key: keys.importJob(input.listId, input.jobId),
              UpdateExpression: 'SET #s = :done, finishedAt = :now, membersRead = :r, membersWritten = :w, membersSkipped = :sk, groupsLeft = :left',
              ConditionExpression: '#s = :running',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: {
                ':done': 'completed',
                ':running': 'running',
                ':now': now,
                ':r': read,
                ':w': written,
                ':sk': skipped,
                ':left': groups.slice(GROUPS_IN_SWITCH),
              },
            },
          },
          ...groups.slice(0, GROUPS_IN_SWITCH).map((g) => ({ Delete: { TableName: deps.tableName, Key: keys.group(input.listId, g) } })),
          ...(await completionEvent(deps, input, summary, ctx)),
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const job = await loadJob(deps, input.listId, input.jobId);
    if (job?.status === 'completed') return { switched: true };
    throw new ImportSuperseded('the list no longer waits for this import');
  }
  crashPoint('switch:after-commit');
  recordImportCompleted(deps.metrics, input.provider, written, Date.parse(now) - Date.parse(existing.startedAt));
  return { switched: true };
}

/** Step 4: the previous generation (and groups beyond the switch's share) are deleted. */
export async function cleanup(deps: TaskDeps, ref: JobRef) {
  crashPoint('cleanup');
  const job = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.importJob(ref.listId, ref.jobId), ConsistentRead: true }));
  const groupsLeft = ((job.Item?.groupsLeft ?? []) as number[]).map(Number);
  if (groupsLeft.length) await batchWrite(deps.db, deps.tableName, groupsLeft.map((g) => ({ delete: keys.group(ref.listId, g) })));
  const deleted = await deleteGeneration(deps, ref.listId, ref.previousGen, tuning(deps).writeConcurrency);
  await forgetStale(deps, ref.listId, [ref.previousGen]);
  return { deleted };
}

/**
 * The compensation path: the job is failed and the lock released in one transaction that also
 * lists the new generation as stale, then the generation is deleted. It stays listed, so the
 * next import's Prepare sweeps it once more (a page task still in flight may write after this
 * sweep; it deletes its own writes when it sees the job failed, and the second sweep catches a
 * task that died in between). If the switch had committed after all, nothing is undone.
 */
export async function compensate(deps: TaskDeps, input: JobRef & { error?: { Error?: string; Cause?: string } }) {
  crashPoint('compensate:before');
  const item = await listItem(deps, input.listId);
  const job = await loadJob(deps, input.listId, input.jobId);
  if (job?.status === 'completed' || (item && Number(item.gen) === input.gen)) return { switched: true };
  const code = input.error?.Error ?? 'ImportFailed';
  const message = describeCause(input.error?.Cause);
  logger.warn('import failed; compensating', { jobId: input.jobId, listId: input.listId, code });
  if (job?.status === 'running') {
    const now = deps.clock.now().toISOString();
    const summary = { jobId: input.jobId, provider: input.provider, status: 'failed', error: { code, message }, finishedAt: now };
    const ownsLock = item?.importJobId === input.jobId;
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            ...(ownsLock
              ? [
                  {
                    Update: {
                      TableName: deps.tableName,
                      Key: keys.list(input.listId),
                      UpdateExpression: 'REMOVE importJobId, importStartedAt ADD staleGens :g',
                      ConditionExpression: 'importJobId = :job',
                      ExpressionAttributeValues: { ':job': input.jobId, ':g': new Set([input.gen]) },
                    },
                  },
                ]
              : []),
            {
              Update: {
                TableName: deps.tableName,
                Key: keys.importJob(input.listId, input.jobId),
                UpdateExpression: 'SET #s = :failed, finishedAt = :now, #e = :error',
                ConditionExpression: '#s = :running',
                ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
                ExpressionAttributeValues: { ':failed': 'failed', ':running': 'running', ':now': now, ':error': { code, message } },
              },
            },
            ...(await completionEvent(deps, input, summary)),
          ],
        }),
      );
      deps.metrics.add('ImportsFailed', 1, { Provider: input.provider });
    } catch (error) {
      // A retry after this transaction committed: carry on with the deletion.
      if (!(error instanceof TransactionCanceledException)) throw error;
      const again = await loadJob(deps, input.listId, input.jobId);
      if (again?.status === 'completed') return { switched: true };
      if (again?.status === 'running') await failJob(deps, input.listId, input.jobId, code, message);
    }
  }
  crashPoint('compensate:after-release');
  await drainInFlight(input.jobId);
  const deleted = await deleteGeneration(deps, input.listId, input.gen, tuning(deps).writeConcurrency);
  return { switched: false, deleted };
}

/** Step Functions hands the error's cause as a JSON string (errorMessage inside) or plain text. */
function describeCause(cause: string | undefined): string {
  if (!cause) return 'the import failed';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return String(parsed.errorMessage ?? cause).slice(0, 500);
  } catch {
    return cause.slice(0, 500);
  }
}
