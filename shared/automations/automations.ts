/**
 * SPEC A1, A2: automated emails and their states. Every state change is one conditional write
 * on the state the caller saw, so two racing requests cannot both move it; a refused change
 * names the current state. Schedules (start, end, the anniversary scan) follow the state.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { keys, STAT_SHARDS } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import { assertVerifiedSender } from '#shared/senders/senders';
import type { Deps } from '#shared/runtime/deps';
import { loadListContext, type ListContext } from '#shared/lists/model';
import { nextId } from '#shared/lists/sequence';
import { batchGet, batchWrite, queryAll, queryIndex } from '#shared/db/batch';
import { EMAIL_FIELD } from '#shared/lists/fields';
import { findEmail } from '#shared/emails/emails';
import { commitCounted, STAT_NAMES, type StatName } from './figures';
import {
  automationInputSchema,
  toAutomationRecord,
  type AutomationInput,
  type AutomationRecord,
  type AutomationState,
} from './model';

type StoreDeps = Pick<Deps, 'db' | 'tableName' | 'clock'>;
type ScheduleDeps = StoreDeps & Pick<Deps, 'scheduler'>;

export const stateLabels: Record<AutomationState, string> = {
  draft: '작성 중',
  scheduled: '예약 중',
  running: '실행 중',
  paused: '일시 정지',
  ended: '종료',
};

export const illegalState = (state: AutomationState, action: string) =>
  new ApiError('AUTOMATION_ILLEGAL_STATE', `${action}: current state is ${state} (${stateLabels[state]})`);

/** References must name things of this list and workspace: fields, groups, other automated emails. */
async function checkReferences(deps: StoreDeps, ctx: ListContext, input: AutomationInput, selfId?: number): Promise<void> {
  const fields = new Map(ctx.list.fields.map((f) => [f.tag, f]));
  const fieldKnown = (tag: string) => tag === '$ad_agreed' || tag === EMAIL_FIELD.tag || fields.has(tag);
  for (const [i, t] of input.triggers.entries()) {
    if (t.type === 'anniversary') {
      const f = fields.get(t.field);
      if (!f || (f.type !== 'date' && f.type !== 'datetime')) throw new ApiError('AUTOMATION_INVALID', `triggers[${i}].field: a date field of the list`);
    }
    if (t.type === 'fieldUpdated' && !fieldKnown(t.field)) throw new ApiError('AUTOMATION_INVALID', `triggers[${i}].field: no such field`);
    if (t.type === 'groupAdded' && !ctx.groups.has(t.groupId)) throw new ApiError('AUTOMATION_INVALID', `triggers[${i}].groupId: no such group`);
    // Issue 15: a regular email of this workspace; another workspace's id is no such email.
    if ('emailId' in t && t.emailId !== undefined) {
      const email = await findEmail(deps, ctx.list.workspaceId, t.emailId).catch(() => undefined);
      if (!email) throw new ApiError('AUTOMATION_INVALID', `triggers[${i}].emailId: no such regular email`);
    }
    if ('automationId' in t && t.automationId !== undefined) {
      if (t.automationId === selfId) throw new ApiError('AUTOMATION_INVALID', `triggers[${i}].automationId: not itself`);
      const watched = await findAutomation(deps, ctx.list.workspaceId, t.automationId).catch(() => undefined);
      if (!watched) throw new ApiError('AUTOMATION_INVALID', `triggers[${i}].automationId: no such automated email`);
      if (watched.state === 'ended') throw new ApiError('AUTOMATION_INVALID', `triggers[${i}].automationId: that email has ended`);
    }
  }
  for (const [i, c] of (input.filter?.conditions ?? []).entries()) {
    if (c.type === 'group' && !ctx.groups.has(c.groupId)) throw new ApiError('AUTOMATION_INVALID', `filter.conditions[${i}].groupId: no such group`);
    if (c.type === 'field' && !fieldKnown(c.field)) throw new ApiError('AUTOMATION_INVALID', `filter.conditions[${i}].field: no such field`);
  }
  if (input.endAt && new Date(input.endAt).getTime() <= deps.clock.now().getTime()) {
    throw new ApiError('AUTOMATION_INVALID', 'endAt must be in the future');
  }
}

const itemOf = (a: AutomationRecord) => ({
  ...keys.automation(a.listId, a.automationId),
  ...keys.automationGsi(a.workspaceId, a.automationId),
  type: 'automation',
  ...a,
});

type SenderDeps = Parameters<typeof assertVerifiedSender>[0];

export async function createAutomation(deps: StoreDeps & SenderDeps, workspaceId: string, listId: number, raw: unknown): Promise<AutomationRecord> {
  const input = parseInput(raw);
  const ctx = await loadListContext(deps, workspaceId, listId);
  await checkReferences(deps, ctx, input);
  // Issue 14: an automated email is saved only with a verified sender of its list, so no
  // workspace can name another's SES identity (or any address) as its From.
  await assertVerifiedSender(deps, { workspaceId, listId }, input.senderEmail);
  const automationId = await nextId(deps, 'automation');
  const now = deps.clock.now().toISOString();
  const record: AutomationRecord = {
    ...input,
    automationId,
    listId,
    workspaceId,
    state: 'draft',
    apiKey: randomBytes(18).toString('base64url'),
    startAt: null,
    startedAt: null,
    endedAt: null,
    pauses: [],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await deps.db.send(
    new TransactWriteCommand({
      TransactItems: [
        // The list must still exist when the email is added to it.
        { ConditionCheck: { TableName: deps.tableName, Key: keys.list(listId), ConditionExpression: 'attribute_exists(PK)' } },
        { Put: { TableName: deps.tableName, Item: itemOf(record) } },
        { Put: { TableName: deps.tableName, Item: { ...keys.automationPointer(automationId), type: 'automationPointer', listId, workspaceId } } },
        { Put: { TableName: deps.tableName, Item: { ...keys.automationApiKey(record.apiKey), type: 'automationKey', automationId, listId, workspaceId } } },
      ],
    }),
  );
  return record;
}

export function parseInput(raw: unknown): AutomationInput {
  const parsed = automationInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ApiError('INVALID_REQUEST', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

/** An automated email of the workspace; another workspace's answers as missing (SPEC W1). */
export async function findAutomation(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string, automationId: number): Promise<AutomationRecord> {
  if (!Number.isSafeInteger(automationId) || automationId <= 0) throw new ApiError('AUTOMATION_NOT_FOUND');
  const record = await automationById(deps, automationId);
  if (!record || record.workspaceId !== workspaceId) throw new ApiError('AUTOMATION_NOT_FOUND');
  return record;
}

/** An automated email by id alone (through its pointer), whatever its workspace: the dispatcher's look-up. */
export async function automationById(deps: Pick<Deps, 'db' | 'tableName'>, automationId: number): Promise<AutomationRecord | undefined> {
  const pointer = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.automationPointer(automationId), ConsistentRead: true }));
  return pointer.Item ? getAutomation(deps, Number(pointer.Item.listId), automationId) : undefined;
}

export async function getAutomation(deps: Pick<Deps, 'db' | 'tableName'>, listId: number, automationId: number): Promise<AutomationRecord | undefined> {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.automation(listId, automationId), ConsistentRead: true }));
  return res.Item ? toAutomationRecord(res.Item) : undefined;
}

export async function listAutomations(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string, listId?: number): Promise<AutomationRecord[]> {
  if (listId !== undefined) return (await loadListContext(deps, workspaceId, listId)).automations;
  return workspaceAutomations(deps, workspaceId);
}

/** Every automated email of a workspace (GSI1; eventually consistent, like any index read). */
export async function workspaceAutomations(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string): Promise<AutomationRecord[]> {
  return (await queryIndex(deps.db, deps.tableName, keys.automationsOfWorkspace(workspaceId))).map(toAutomationRecord);
}

/** Writes `next` if the stored version is still the one read; otherwise the caller saw a stale state. */
async function save(deps: StoreDeps, before: AutomationRecord, next: AutomationRecord): Promise<AutomationRecord> {
  const record = { ...next, version: before.version + 1, updatedAt: deps.clock.now().toISOString() };
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: deps.tableName,
              Item: itemOf(record),
              ConditionExpression: 'version = :v',
              ExpressionAttributeValues: { ':v': before.version },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const current = await getAutomation(deps, before.listId, before.automationId);
    if (!current) throw new ApiError('AUTOMATION_NOT_FOUND');
    throw illegalState(current.state, 'changed meanwhile, try again');
  }
  return record;
}

/** Editing only in draft and paused (A2); a paused email's schedules follow the edit. */
export async function updateAutomation(deps: ScheduleDeps & SenderDeps, workspaceId: string, automationId: number, raw: unknown): Promise<AutomationRecord> {
  const input = parseInput(raw);
  const current = await findAutomation(deps, workspaceId, automationId);
  if (current.state !== 'draft' && current.state !== 'paused') throw illegalState(current.state, 'edit (only draft or paused)');
  const ctx = await loadListContext(deps, workspaceId, current.listId);
  await checkReferences(deps, ctx, input, automationId);
  await assertVerifiedSender(deps, { workspaceId, listId: current.listId }, input.senderEmail);
  const saved = await save(deps, current, { ...current, ...input });
  if (saved.state === 'paused') await syncSchedules(deps, saved);
  return saved;
}

/** Deleting only when not running (A2); its queue and schedules go with it. */
export async function deleteAutomation(deps: ScheduleDeps, workspaceId: string, automationId: number): Promise<void> {
  const current = await findAutomation(deps, workspaceId, automationId);
  if (current.state === 'running') throw illegalState(current.state, 'delete (pause or end it first)');
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: deps.tableName,
              Key: keys.automation(current.listId, automationId),
              ConditionExpression: 'version = :v',
              ExpressionAttributeValues: { ':v': current.version },
            },
          },
          { Delete: { TableName: deps.tableName, Key: keys.automationPointer(automationId) } },
          { Delete: { TableName: deps.tableName, Key: keys.automationApiKey(current.apiKey) } },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof TransactionCanceledException) throw illegalState(current.state, 'changed meanwhile, try again');
    throw error;
  }
  await clearSchedules(deps, current);
  await dropQueue(deps, automationId);
}

/** `begin` is the scheduler's: a scheduled email's start time has come. */
/** Removes automated emails whatever their state (their list is being deleted). */
export async function removeAutomations(deps: ScheduleDeps, automations: readonly AutomationRecord[]): Promise<void> {
  for (const a of automations) {
    await batchWrite(deps.db, deps.tableName, [
      { delete: keys.automation(a.listId, a.automationId) },
      { delete: keys.automationPointer(a.automationId) },
      { delete: keys.automationApiKey(a.apiKey) },
    ]);
    await clearSchedules(deps, a);
    await dropQueue(deps, a.automationId);
  }
}

type Transition = 'start' | 'begin' | 'schedule' | 'cancelSchedule' | 'pause' | 'resume' | 'end';
const allowedFrom: Record<Transition, AutomationState[]> = {
  start: ['draft'],
  begin: ['scheduled'],
  schedule: ['draft'],
  cancelSchedule: ['scheduled'],
  pause: ['running'],
  resume: ['paused'],
  end: ['running', 'paused'],
};

export interface TransitionInput {
  startAt?: string;
  endAt?: string | null;
}

/** SPEC A2's transitions; anything else is refused naming the current state. */
export async function transition(
  deps: ScheduleDeps & SenderDeps,
  workspaceId: string,
  automationId: number,
  action: Transition,
  input: TransitionInput = {},
): Promise<AutomationRecord> {
  const current = await findAutomation(deps, workspaceId, automationId);
  // Issue 13: an automated email sends only from a verified sender address of its list, checked
  // whenever it is set to send (a scheduled one was checked when scheduled; its sender cannot be
  // deleted while it waits, shared/senders/senders.ts).
  if ((action === 'start' || action === 'schedule' || action === 'resume') && allowedFrom[action].includes(current.state)) {
    await assertVerifiedSender(deps, { workspaceId, listId: current.listId }, current.senderEmail);
  }
  return applyTransition(deps, current, action, input);
}

export async function applyTransition(deps: ScheduleDeps, current: AutomationRecord, action: Transition, input: TransitionInput = {}): Promise<AutomationRecord> {
  if (!allowedFrom[action].includes(current.state)) throw illegalState(current.state, action);
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const endAt = input.endAt !== undefined ? input.endAt : current.endAt;
  if (endAt && (action === 'start' || action === 'schedule') && new Date(endAt) <= now) {
    throw new ApiError('AUTOMATION_INVALID', 'endAt must be in the future');
  }
  let next: AutomationRecord;
  switch (action) {
    case 'start':
    case 'begin':
      next = { ...current, state: 'running', startedAt: nowIso, endAt };
      break;
    case 'schedule': {
      const startAt = input.startAt ? new Date(input.startAt) : undefined;
      if (!startAt || Number.isNaN(startAt.getTime()) || startAt <= now) throw new ApiError('AUTOMATION_INVALID', 'startAt must be a future time');
      if (endAt && new Date(endAt) <= startAt) throw new ApiError('AUTOMATION_INVALID', 'endAt must be after startAt');
      // Starts happen at the minute (SPEC A2): seconds are dropped.
      const minute = new Date(Math.floor(startAt.getTime() / 60_000) * 60_000);
      next = { ...current, state: 'scheduled', startAt: minute.toISOString(), endAt };
      break;
    }
    case 'cancelSchedule':
      next = { ...current, state: 'draft', startAt: null };
      break;
    case 'pause':
      next = { ...current, state: 'paused', pauses: [...current.pauses, { from: nowIso }].slice(-100) };
      break;
    case 'resume':
      next = { ...current, state: 'running', pauses: current.pauses.map((p, i, all) => (i === all.length - 1 ? { ...p, to: nowIso } : p)) };
      break;
    case 'end':
      next = { ...current, state: 'ended', endedAt: nowIso };
      break;
  }
  const saved = await save(deps, current, next);
  if (saved.state === 'ended') {
    await clearSchedules(deps, saved);
    await dropQueue(deps, saved.automationId);
  } else {
    await syncSchedules(deps, saved);
  }
  return saved;
}

const scheduleNames = (automationId: number) => ({
  start: `auto-${automationId}-start`,
  end: `auto-${automationId}-end`,
  anniversary: `auto-${automationId}-anniversary`,
});

/** The entries an email in this state needs: a start when scheduled, an end time, the daily anniversary scan. */
export async function syncSchedules(deps: Pick<Deps, 'scheduler'>, a: AutomationRecord): Promise<void> {
  const names = scheduleNames(a.automationId);
  if (a.state === 'scheduled' && a.startAt) await deps.scheduler.at(names.start, new Date(a.startAt), { kind: 'start', automationId: a.automationId });
  else await deps.scheduler.remove(names.start);
  if (a.endAt && a.state !== 'draft') {
    // A changed end time replaces the entry.
    await deps.scheduler.remove(names.end);
    await deps.scheduler.at(names.end, new Date(a.endAt), { kind: 'end', automationId: a.automationId });
  } else await deps.scheduler.remove(names.end);
  const anniversary = a.triggers.find((t) => t.type === 'anniversary');
  if (anniversary && (a.state === 'running' || a.state === 'paused' || a.state === 'scheduled')) {
    await deps.scheduler.daily(names.anniversary, anniversary.at, a.timeZone, { kind: 'anniversary', automationId: a.automationId });
  } else await deps.scheduler.remove(names.anniversary);
}

async function clearSchedules(deps: Pick<Deps, 'scheduler'>, a: AutomationRecord): Promise<void> {
  for (const name of Object.values(scheduleNames(a.automationId))) await deps.scheduler.remove(name);
}

/** An ended or deleted email sends nothing more: its pending sends and checks are removed. */
async function dropQueue(deps: Pick<Deps, 'db' | 'tableName'>, automationId: number): Promise<void> {
  const pending = await queryAll(deps.db, {
    TableName: deps.tableName,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.pendingPartition(automationId) },
    ProjectionExpression: 'PK, SK',
  });
  const checks = await queryAll(deps.db, {
    TableName: deps.tableName,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.pendingCheckPartition(automationId) },
    ProjectionExpression: 'PK, SK',
  });
  await batchWrite(deps.db, deps.tableName, checks.map((i) => ({ delete: { PK: i.PK, SK: i.SK } })));
  // Each removal with its figure (issue 12); one a dispatcher claimed meanwhile is its to count.
  await commitCounted(
    deps,
    automationId,
    pending.map((i) => ({
      writes: [{ Delete: { TableName: deps.tableName, Key: { PK: i.PK, SK: i.SK }, ConditionExpression: 'attribute_exists(PK)' } }],
      delta: { queued: -1 },
    })),
  );
}

export type { StatName };

/**
 * Figures moved outside any other write: opens and clicks (SPEC A7). Queue, send and drop
 * figures move only inside the transaction of their change (figures.ts).
 */
export async function addStats(deps: Pick<Deps, 'db' | 'tableName'>, automationId: number, delta: Partial<Record<StatName, number>>, shard?: number) {
  const entries = Object.entries(delta).filter(([, v]) => v);
  if (!entries.length) return;
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.automationStats(automationId, shard ?? Math.floor(Math.random() * STAT_SHARDS)),
      UpdateExpression: `ADD ${entries.map((_, i) => `#n${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#n${i}`, k])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
    }),
  );
}

export async function readStats(deps: Pick<Deps, 'db' | 'tableName'>, automationId: number): Promise<Record<StatName, number>> {
  const found = await batchGet(deps.db, deps.tableName, Array.from({ length: STAT_SHARDS }, (_, s) => keys.automationStats(automationId, s)));
  const total = Object.fromEntries(STAT_NAMES.map((k) => [k, 0])) as Record<StatName, number>;
  for (const item of found.values()) for (const k of STAT_NAMES) total[k] += Number(item[k] ?? 0);
  return total;
}
