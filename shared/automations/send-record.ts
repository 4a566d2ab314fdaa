/**
 * The send record: one item per send (`SEND#<sendId>`), written `sending` when a send is claimed
 * and overwritten with its result (sent, failed, dropped) when it is recorded. Whoever writes it
 * `sending` (with `attribute_not_exists`, in the transaction that also takes the send off the
 * queue or records the trigger) is the only one that mails it: that is the at-most-once.
 *
 * Issue 16: a send due when it is triggered is claimed in the trigger's own transaction, so its
 * write path is three items (the trigger history, the record `sending`, the record's result)
 * instead of five (history, queue item, queue item deleted, record, result). docs/data-model.md,
 * "The per-send write path".
 */
import { keys } from '#shared/table/keys';
import type { PendingItem } from './triggers';

/** A send record while it is being sent: claimed under a lease, or waiting for a retry. */
export interface SendingRecord {
  PK: string;
  SK: string;
  GSI1PK: string;
  GSI1SK: string;
  type: 'send';
  status: 'sending';
  sendId: string;
  automationId: number;
  listId: number;
  workspaceId: string;
  email: string;
  dueAt: string;
  triggeredAt: string;
  vars?: Record<string, unknown>;
  claimedAt: string;
  /** Whoever holds this id may record the result; a sweeper that takes the send over changes it. */
  leaseId: string;
  leaseUntil: string;
  /** When the attempt under this lease began (what the mailer's look-up is asked about). */
  attemptedAt: string;
  firstAttemptAt: string;
  attempts: number;
  /** The last attempt failed transiently: certainly not sent, mail again at `leaseUntil`. */
  notSent?: boolean;
  lastError?: string;
  /** SES's `Send` event for this send arrived (shared/mail/bounces.ts): it was accepted. */
  acceptedMessageId?: string;
}

/** What a send needs to be claimed: a queue item, or one about to be (the trigger's own transaction). */
export type Claimable = Pick<PendingItem, 'sendId' | 'automationId' | 'listId' | 'workspaceId' | 'email' | 'dueAt' | 'triggeredAt' | 'vars'>;

/** The record `sending` of a claim under `leaseId` until `leaseUntil`. */
export function claimedRecordOf(item: Claimable, leaseId: string, now: Date, leaseUntil: Date): SendingRecord {
  const nowIso = now.toISOString();
  return {
    ...keys.send(item.sendId),
    ...keys.sendLeaseGsi(leaseUntil.toISOString(), item.sendId),
    type: 'send',
    status: 'sending',
    sendId: item.sendId,
    automationId: item.automationId,
    listId: item.listId,
    workspaceId: item.workspaceId,
    email: item.email,
    dueAt: item.dueAt,
    triggeredAt: item.triggeredAt,
    ...(item.vars ? { vars: item.vars } : {}),
    claimedAt: nowIso,
    leaseId,
    leaseUntil: leaseUntil.toISOString(),
    attemptedAt: nowIso,
    firstAttemptAt: nowIso,
    attempts: 0,
  };
}
