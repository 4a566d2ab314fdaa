/**
 * Sending a regular email (issue 15): now, or at a reserved time (YYYYMMDDhhmmss in KST) through
 * the scheduler port. A send is an execution of the email-send state machine
 * (state-machine.ts): Prepare, then the list's shards paged in parallel (each page task claims its
 * page, mails and records its recipients: deliver.ts), then Finish. Status: 0 → 21 when the send is
 * accepted, 22 while pages are mailed, 3 when every page is done.
 */
import { DeleteCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import type { EmailSendEvent } from '#shared/ports/scheduler';
import { loadListContext, type ListRecord } from '#shared/lists/model';
import { assertVerifiedSender } from '#shared/senders/senders';
import { renderContent } from '#shared/automations/render';
import { workspaceAutomations } from '#shared/automations/automations';
import { logger } from '#shared/logger';
import { emailById, findEmail, readContent, reserveEntryName } from './emails';
import { EmailStatus, type EmailRecord } from './model';
import { hasRecipients, recipientPage } from './recipients';
import { deliver, type DeliverResult } from './deliver';

/** Recipients per page task: well inside a Lambda's time at the shared sending rate (docs/api.md). */
export const DEFAULT_PAGE_SIZE = 500;

export const executionNameOf = (emailId: number) => `email-${emailId}`;

const conditionFailed = (error: unknown) => error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException;

/** What the yml's send and reserve refuse: an incomplete email, an unverified sender, nobody to send to. */
async function assertSendable(deps: Deps, email: EmailRecord): Promise<ListRecord> {
  if (!email.hasContent || !email.subject.trim() || !email.senderEmail) throw new ApiError('EMAIL_INCOMPLETE');
  const { list, groups } = await loadListContext(deps, email.workspaceId, email.listId);
  if ((email.groupIds ?? []).some((g) => !groups.has(g))) throw new ApiError('EMAIL_NOT_OWNED', 'groupIds');
  await assertVerifiedSender(deps, list, email.senderEmail);
  if (!(await hasRecipients(deps, { groupIds: email.groupIds, includeUnsubscribed: list.canSendToUnsubscribed }, list, SUBSCRIBER_SHARDS))) {
    throw new ApiError('EMAIL_EMPTY_SUBSCRIBER');
  }
  return list;
}

/**
 * The email leaves `from` for 21 (conditioned on it, and on the reservation it was made for) and
 * is marked in progress, in one transaction; then its execution starts. Returns false when the
 * email was no longer in that state.
 */
async function beginSend(deps: Deps, email: EmailRecord, list: ListRecord, from: { status: EmailRecord['status']; reserveAt?: string }): Promise<boolean> {
  const now = deps.clock.now().toISOString();
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: deps.tableName,
              Key: keys.email(email.emailId),
              UpdateExpression: 'SET #s = :preparing, sentAt = :now, updatedAt = :now, includeUnsubscribed = :inc REMOVE reserveAt',
              ConditionExpression: from.reserveAt ? '#s = :from AND reserveAt = :r' : '#s = :from',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: {
                ':preparing': EmailStatus.preparing,
                ':now': now,
                ':inc': list.canSendToUnsubscribed,
                ':from': from.status,
                ...(from.reserveAt ? { ':r': from.reserveAt } : {}),
              },
            },
          },
          { Put: { TableName: deps.tableName, Item: { ...keys.emailSending(email.emailId), type: 'emailSending', emailId: email.emailId, workspaceId: email.workspaceId, startedAt: now } } },
        ],
      }),
    );
  } catch (error) {
    if (conditionFailed(error)) return false;
    throw error;
  }
  await deps.workflow.startEmailSend(executionNameOf(email.emailId), { emailId: email.emailId });
  return true;
}

/**
 * POST /v2/emails/{id}/send. A send accepted whose execution did not start (the request failed
 * in between) is started by asking again: status 21 answers ok and starts it (a second start of
 * the same execution is a no-op); once mailing (22) or sent (3) it is WrongStatus.
 */
export async function sendNow(deps: Deps, workspaceId: string, emailId: number): Promise<void> {
  const email = await findEmail(deps, workspaceId, emailId);
  if (email.status === EmailStatus.preparing) {
    await deps.workflow.startEmailSend(executionNameOf(emailId), { emailId });
    return;
  }
  if (email.status !== EmailStatus.draft) throw new ApiError('EMAIL_WRONG_STATUS');
  const list = await assertSendable(deps, email);
  if (!(await beginSend(deps, email, list, { status: EmailStatus.draft }))) throw new ApiError('EMAIL_WRONG_STATUS');
}

/** `20250501143040` in KST → the instant, or undefined when it is no such time. */
export function parseReserveTime(raw: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(raw);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const at = new Date(Date.UTC(y, mo - 1, d, h - 9, mi, s));
  const back = new Date(at.getTime() + 9 * 3_600_000);
  // 20250230… is no date: Date.UTC would roll it over to March.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return undefined;
  return at;
}

/** POST /v2/emails/{id}/reserve?reserveTime=: a draft is reserved for a future time (status 1). */
export async function reserve(deps: Deps, workspaceId: string, emailId: number, reserveTime: string): Promise<void> {
  const at = parseReserveTime(reserveTime);
  if (!at || at.getTime() <= deps.clock.now().getTime()) throw new ApiError('EMAIL_RESERVE_TIME_INVALID', `reserveTime=${reserveTime.slice(0, 20)}`);
  const email = await findEmail(deps, workspaceId, emailId);
  if (email.status !== EmailStatus.draft) throw new ApiError('EMAIL_WRONG_STATUS');
  await assertSendable(deps, email);
  const reserveAt = at.toISOString();
  // The entry first: a reserved email is never without one. An entry left by a failed update finds no reservation and does nothing.
  const event: EmailSendEvent = { kind: 'emailSend', emailId, reserveAt };
  await deps.scheduler.at(reserveEntryName(emailId), at, event);
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.email(emailId),
        UpdateExpression: 'SET #s = :reserved, reserveAt = :r, updatedAt = :now',
        ConditionExpression: '#s = :draft AND updatedAt = :u',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':reserved': EmailStatus.reserved, ':r': reserveAt, ':now': deps.clock.now().toISOString(), ':draft': EmailStatus.draft, ':u': email.updatedAt },
      }),
    );
  } catch (error) {
    if (conditionFailed(error)) throw new ApiError('EMAIL_WRONG_STATUS');
    throw error;
  }
}

/**
 * POST /v2/emails/{id}/cancel-reserve: back to a draft, up to the reserved minute (from then the
 * send is starting: WrongStatus). Cancelling an email that is not reserved is WrongStatus too.
 */
export async function cancelReserve(deps: Deps, workspaceId: string, emailId: number): Promise<void> {
  const email = await findEmail(deps, workspaceId, emailId);
  const now = deps.clock.now();
  if (email.status !== EmailStatus.reserved || !email.reserveAt || Date.parse(email.reserveAt) <= now.getTime()) throw new ApiError('EMAIL_WRONG_STATUS');
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.email(emailId),
        UpdateExpression: 'SET #s = :draft, updatedAt = :now REMOVE reserveAt',
        ConditionExpression: '#s = :reserved AND reserveAt = :r',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':draft': EmailStatus.draft, ':now': now.toISOString(), ':reserved': EmailStatus.reserved, ':r': email.reserveAt },
      }),
    );
  } catch (error) {
    if (conditionFailed(error)) throw new ApiError('EMAIL_WRONG_STATUS');
    throw error;
  }
  await deps.scheduler.remove(reserveEntryName(emailId));
}

/**
 * A reservation's entry ran: the send starts if the email is still reserved for that time. One
 * that can no longer be sent (its sender lost verification, nobody left) returns to a draft, so
 * the user sees it was not sent and can fix and send it.
 */
export async function runReservedSend(deps: Deps, event: EmailSendEvent): Promise<{ started: boolean }> {
  const email = await emailById(deps, event.emailId);
  if (!email || email.status !== EmailStatus.reserved || email.reserveAt !== event.reserveAt) return { started: false };
  let list: ListRecord;
  try {
    list = await assertSendable(deps, email);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    logger.warn('reserved email not sendable at its time; back to a draft', { emailId: email.emailId, code: error.code });
    await deps.db
      .send(
        new UpdateCommand({
          TableName: deps.tableName,
          Key: keys.email(email.emailId),
          UpdateExpression: 'SET #s = :draft REMOVE reserveAt',
          ConditionExpression: '#s = :reserved AND reserveAt = :r',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':draft': EmailStatus.draft, ':reserved': EmailStatus.reserved, ':r': event.reserveAt },
        }),
      )
      .catch((e: unknown) => {
        if (!conditionFailed(e)) throw e;
      });
    return { started: false };
  }
  return { started: await beginSend(deps, email, list, { status: EmailStatus.reserved, reserveAt: event.reserveAt }) };
}

// The state machine's tasks (functions/email-send-*/handler.ts).

export interface SendRef {
  emailId: number;
}

/** Prepare: 21 → 22, and the shards the Map pages in parallel. */
export async function prepareSend(deps: Deps, input: SendRef): Promise<SendRef & { shards: number[]; concurrency: number; pageSize: number }> {
  await deps.db
    .send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.email(input.emailId),
        UpdateExpression: 'SET #s = :sending',
        ConditionExpression: '#s = :preparing',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':sending': EmailStatus.sending, ':preparing': EmailStatus.preparing },
      }),
    )
    .catch((e: unknown) => {
      // Run again (a retry, a resumed execution): already 22, or done.
      if (!conditionFailed(e)) throw e;
    });
  return { emailId: input.emailId, shards: Array.from({ length: SUBSCRIBER_SHARDS }, (_, i) => i), concurrency: SUBSCRIBER_SHARDS, pageSize: deps.emailPageSize ?? DEFAULT_PAGE_SIZE };
}

/** A page task found its page held by another attempt, or recipients SES may still report: the state machine tries the page again later. */
export class RecipientsHeldError extends Error {
  override readonly name = 'RecipientsHeld';
}

export interface PageInput extends SendRef {
  shard: number;
  cursor: string | null;
  pageSize: number;
}

/** One page of one shard: its recipients claimed, mailed and recorded; the cursor of the next. */
export async function sendPage(deps: Deps, input: PageInput): Promise<PageInput & { done: boolean; result: DeliverResult }> {
  const none = { ...input, cursor: null, done: true, result: { sent: 0, failed: 0, held: 0 } };
  const email = await emailById(deps, input.emailId);
  if (!email || (email.status !== EmailStatus.sending && email.status !== EmailStatus.preparing)) return none;
  const [html, list] = await Promise.all([readContent(deps, email.emailId), listOf(deps, email)]);
  if (html === undefined || !list) return none;
  const [page, watched] = await Promise.all([recipientPage(deps, email, list, input.shard, input.cursor, input.pageSize), isWatched(deps, email)]);
  const result = await deliver(deps, {
    emailId: email.emailId,
    recipients: page.recipients,
    page: { shard: input.shard, cursor: input.cursor },
    ...(watched ? { facts: { workspaceId: email.workspaceId, listId: email.listId } } : {}),
    render: ({ subscriber, sendId }) =>
      renderContent(deps, {
        content: { html, subject: email.subject, senderName: email.senderName, senderEmail: email.senderEmail },
        list,
        subscriber,
        sendId,
        tracking: { a: 0, r: email.emailId },
        tags: { emailId: String(email.emailId) },
      }),
  });
  if (result.held) throw new RecipientsHeldError(`${result.held} recipients of email ${email.emailId} are held by another attempt`);
  return { ...input, cursor: page.cursor, done: page.cursor === null, result };
}

/** Whether a running automated email of the workspace has a trigger on this regular email (issue 15): asked once a page. */
async function isWatched(deps: Deps, email: EmailRecord): Promise<boolean> {
  const automations = await workspaceAutomations(deps, email.workspaceId);
  return automations.some((a) => a.state === 'running' && a.triggers.some((t) => 'emailId' in t && t.emailId === email.emailId));
}

async function listOf(deps: Deps, email: EmailRecord): Promise<ListRecord | undefined> {
  try {
    return (await loadListContext(deps, email.workspaceId, email.listId)).list;
  } catch (error) {
    if (error instanceof ApiError) return undefined;
    throw error;
  }
}

/** Finish: every page is done, the email is sent (3) and no longer in progress. */
export async function finishSend(deps: Deps, input: SendRef): Promise<SendRef> {
  await deps.db
    .send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: deps.tableName,
              Key: keys.email(input.emailId),
              UpdateExpression: 'SET #s = :sent',
              ConditionExpression: '#s IN (:preparing, :sending)',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: { ':sent': EmailStatus.sent, ':preparing': EmailStatus.preparing, ':sending': EmailStatus.sending },
            },
          },
          { Delete: { TableName: deps.tableName, Key: keys.emailSending(input.emailId) } },
        ],
      }),
    )
    .catch(async (e: unknown) => {
      if (!conditionFailed(e)) throw e;
      // Already finished (a retry), or deleted: the marker goes either way.
      await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: keys.emailSending(input.emailId) }));
    });
  return input;
}

/** The local runtime at start: every send in progress is started again (a running one is left as is). */
export async function resumeEmailSends(deps: Deps): Promise<number[]> {
  const res = await deps.db.send(
    new QueryCommand({ TableName: deps.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.emailSendingPartition }, ConsistentRead: true }),
  );
  const ids = (res.Items ?? []).map((i) => Number(i.emailId));
  for (const emailId of ids) await deps.workflow.startEmailSend(executionNameOf(emailId), { emailId });
  return ids;
}
