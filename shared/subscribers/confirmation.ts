/**
 * Double opt-in (SPEC L4 `confirmEmailYN: Y`): the row is kept in a confirmation item and a
 * signed link is mailed; following the link applies the row as if sent then. The item expires
 * after CONFIRMATION_TTL_DAYS and stays, marked used, so a second click is answered kindly.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import type { ListContext } from '#shared/lists/model';
import { loadListContext } from '#shared/lists/model';
import { uniquePhoneField } from '#shared/lists/fields';
import { applyMutations, eventContextFor } from './store';
import type { PreparedRow, SubscribeRequest } from './subscribe';
import { decideRow } from './subscribe';

export const CONFIRMATION_TTL_DAYS = 7;
export const CONFIRM_PATH = '/v1/subscriptions/confirm';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export async function requestConfirmations(
  deps: Deps,
  ctx: ListContext,
  rows: readonly PreparedRow[],
  request: Pick<SubscribeRequest, 'eventOccurredBy' | 'groupIds'> & {
    /** v2 double opt-in: the subscriber is already stored `ready`; the link makes them subscribed (issue 13). */
    confirmsReady?: boolean;
  },
): Promise<void> {
  const now = deps.clock.now();
  const expiresAt = Math.floor(now.getTime() / 1000) + CONFIRMATION_TTL_DAYS * 86_400;
  await Promise.all(
    rows.map(async (row) => {
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
      const link = `${deps.publicBaseUrl}${CONFIRM_PATH}?token=${encodeURIComponent(deps.signer.sign(id, expiresAt))}`;
      const listName = escapeHtml(ctx.list.name);
      await deps.mailer.send({
        from: `"${ctx.list.senderName || ctx.list.name}" <${deps.systemSender}>`,
        to: row.email,
        subject: `[${ctx.list.name}] 구독을 확인해 주세요`,
        html:
          `<p>${listName} 구독 신청을 확인하려면 아래 링크를 눌러 주세요.</p>` +
          `<p><a href="${escapeHtml(link)}">구독 확인하기</a></p>` +
          `<p>본인이 신청하지 않았다면 이 메일을 무시해 주세요.</p>`,
        text: `${ctx.list.name} 구독 신청을 확인하려면 다음 링크를 여세요: ${link}`,
        tags: { workspaceId: ctx.list.workspaceId, listId: String(ctx.list.listId) },
      });
    }),
  );
}

export type ConfirmOutcome = 'confirmed' | 'already-confirmed' | 'invalid';

/** Follows a confirmation link: idempotent, a used or expired token changes nothing. */
export async function confirmSubscription(deps: Deps, token: string): Promise<ConfirmOutcome> {
  const nowDate = deps.clock.now();
  const id = deps.signer.verify(token, Math.floor(nowDate.getTime() / 1000));
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
