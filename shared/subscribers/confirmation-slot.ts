/**
 * Issue 14, confirmation mail bombing: the same `confirmEmailYN: Y` request repeated would mail
 * a stranger once per request. A list mails one address at most one confirmation per hour: the
 * first request claims a small item (one conditional put, no read, no scan) that expires with
 * the hour (TTL); a repeat within it finds it taken and mails nothing, and its row waits for the
 * link already mailed. A mail that could not be sent gives its slot back, so asking again works.
 */
import { writeIf } from '#shared/db/conditional';
import { createHash } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';

export const CONFIRMATION_SLOT_SECONDS = 3600;

type SlotDeps = Pick<Deps, 'db' | 'tableName'>;

const slotKey = (listId: number, email: string) =>
  keys.confirmationSlot(listId, createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 32));

/** True when this request may mail `email` a confirmation for `listId` now (and the hour is taken for it). */
export async function claimConfirmationSlot(deps: SlotDeps, listId: number, email: string, now: Date): Promise<boolean> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  return writeIf(
    deps.db,
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...slotKey(listId, email), type: 'confirmationSlot', listId, claimedAt: now.toISOString(), expiresAt: nowSeconds + CONFIRMATION_SLOT_SECONDS },
      // TTL deletion lags (up to days in AWS): an expired slot is free whether or not it is gone.
      ConditionExpression: 'attribute_not_exists(PK) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': nowSeconds },
    }),
  );
}

/** Gives the slot back (the mail did not go out). */
export async function releaseConfirmationSlot(deps: SlotDeps, listId: number, email: string): Promise<void> {
  await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: slotKey(listId, email) }));
}
