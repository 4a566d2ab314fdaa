/**
 * Double opt-in (SPEC L4 `confirmEmailYN: Y`): the row is kept in a confirmation item and a
 * signed link is mailed; following the link applies the row as if sent then. The item expires
 * after CONFIRMATION_TTL_DAYS and stays, marked used, so a second click is answered kindly.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys } from '#shared/table/keys';
import { sleep } from '#shared/db/batch';
import { isTransient, mailbox } from '#shared/ports/mailer';
import { logger } from '#shared/logger';
import type { Deps } from '#shared/runtime/deps';
import type { ListContext } from '#shared/lists/model';
import { loadListContext } from '#shared/lists/model';
import { uniquePhoneField } from '#shared/lists/fields';
import { applyMutations, eventContextFor } from './store';
import { claimConfirmationSlot, releaseConfirmationSlot } from './confirmation-slot';
import type { PreparedRow, SubscribeRequest } from './subscribe';
import { decideRow } from './subscribe';

export const CONFIRMATION_TTL_DAYS = 7;
export const CONFIRM_PATH = '/v1/subscriptions/confirm';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Transient mailer failures of a confirmation email are tried again this often, this far apart (issue 12). */
export const CONFIRMATION_MAIL_ATTEMPTS = 3;
const CONFIRMATION_RETRY_MS = [200, 800];

/**
 * Stores each row's confirmation and mails its link. A mail that still fails transiently after
 * CONFIRMATION_MAIL_ATTEMPTS (about a second), fails for good, or fails in a way that leaves open
 * whether it went out is not the request's failure: the row's confirmation is deleted (its link
 * never works) and the row is returned, for the caller to report it (`failUnknown`). Repeating the
 * request for it is safe.
 */
export async function requestConfirmations(
  deps: Deps,
  ctx: ListContext,
  rows: readonly PreparedRow[],
  request: Pick<SubscribeRequest, 'eventOccurredBy' | 'groupIds'> & {
    /** v2 double opt-in: the subscriber is already stored `ready`; the link makes them subscribed (issue 13). */
    confirmsReady?: boolean;
  },
): Promise<Set<string>> {
  const now = deps.clock.now();
  const expiresAt = Math.floor(now.getTime() / 1000) + CONFIRMATION_TTL_DAYS * 86_400;
  const unsent = new Set<string>();
  await Promise.all(
    rows.map(async (row) => {
      // Issue 14: one confirmation mail per address and list per hour; a repeat waits for the first link.
      if (!(await claimConfirmationSlot(deps, ctx.list.listId, row.email, now))) return;
      const id = randomUUID();
      await deps.db.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: {
            ...keys.confirmation(id),
            type: 'confirmation',
            workspaceId: ctx.list.workspaceId,
            listId: ctx.list.listId,
            row,
            eventOccurredBy: request.eventOccurredBy,
            groupIds: request.groupIds,
            ...(request.confirmsReady ? { confirmsReady: true } : {}),
            createdAt: now.toISOString(),
            expiresAt,
          },
        }),
      );
      const link = `${deps.publicBaseUrl}${CONFIRM_PATH}?token=${encodeURIComponent(deps.signer.sign('confirm', id, expiresAt))}`;
      const listName = escapeHtml(ctx.list.name);
      const mail = {
        // Structured (issue 14): a senderName with quotes or `<…>` stays a display name.
        from: mailbox(deps.systemSender, ctx.list.senderName || ctx.list.name),
        to: row.email,
        subject: `[${ctx.list.name}] 구독을 확인해 주세요`,
        html:
          `<p>${listName} 구독 신청을 확인하려면 아래 링크를 눌러 주세요.</p>` +
          `<p><a href="${escapeHtml(link)}">구독 확인하기</a></p>` +
          `<p>본인이 신청하지 않았다면 이 메일을 무시해 주세요.</p>`,
        text: `${ctx.list.name} 구독 신청을 확인하려면 다음 링크를 여세요: ${link}`,
        tags: { workspaceId: ctx.list.workspaceId, listId: String(ctx.list.listId) },
        idempotencyKey: `confirm-${id}`,
      };
      for (let attempt = 1; ; attempt++) {
        try {
          await deps.mailer.send(mail);
          return;
        } catch (error) {
          if (isTransient(error) && attempt < CONFIRMATION_MAIL_ATTEMPTS) {
            await sleep(CONFIRMATION_RETRY_MS[attempt - 1] ?? 800);
            continue;
          }
          logger.warn('confirmation email not sent', { listId: ctx.list.listId, attempts: attempt, error: error as Error });
          unsent.add(row.email);
          await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: keys.confirmation(id) }));
          await releaseConfirmationSlot(deps, ctx.list.listId, row.email);
          return;
        }
      }
    }),
  );
  return unsent;
}

/** Links mailed before tokens were sealed carried the bare confirmation id (a UUID). */
const isConfirmationId = (payload: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(payload);

export type ConfirmOutcome = 'confirmed' | 'already-confirmed' | 'invalid';

/** Follows a confirmation link: idempotent, a used or expired token changes nothing. */
export async function confirmSubscription(deps: Deps, token: string): Promise<ConfirmOutcome> {
  const nowDate = deps.clock.now();
  const id = deps.signer.verify('confirm', token, Math.floor(nowDate.getTime() / 1000), isConfirmationId);
  if (!id) return 'invalid';
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.confirmation(id), ConsistentRead: true }));
  const item = res.Item;
  if (!item) return 'invalid';
  if (item.usedAt) return 'already-confirmed';
  let ctx: ListContext;
  try {
    ctx = await loadListContext(deps, String(item.workspaceId), Number(item.listId));
  } catch {
    return 'invalid';
  }
  // SPEC I5: a linked list takes subscribers only from its import.
  if (ctx.list.kind !== 'standard') return 'invalid';
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.confirmation(id),
        UpdateExpression: 'SET usedAt = :now',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(usedAt)',
        ExpressionAttributeValues: { ':now': nowDate.toISOString() },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'already-confirmed';
    throw error;
  }
  const row = item.row as PreparedRow;
  // Groups deleted since the request was made are simply dropped.
  const groupIds = ((item.groupIds ?? []) as number[]).filter((g) => ctx.groups.has(g));
  const options = {
    eventOccurredBy: item.eventOccurredBy as 'MANUAL' | 'SUBSCRIBER',
    groupIds,
    now: nowDate.toISOString(),
    phoneTag: uniquePhoneField(ctx.list.fields)?.tag,
  };
  await applyMutations(
    deps,
    ctx.list,
    [row.email],
    ({ current, phoneOwner }) => {
      // v2 double opt-in: the waiting subscriber becomes subscribed as stored; one that has
      // changed status since (unsubscribed, deleted by hand) is left as it is.
      if (item.confirmsReady) {
        return current?.status === 'ready'
          ? { kind: 'put', next: { ...current, status: 'subscribed', updatedAt: options.now, version: current.version + 1 }, result: 'success' }
          : { kind: 'none', result: 'success' };
      }
      return decideRow(row, current, phoneOwner, options);
    },
    row.phoneDigits ? new Map([[row.email, row.phoneDigits]]) : new Map(),
    eventContextFor(ctx, options.eventOccurredBy, options.now),
  );
  return 'confirmed';
}
