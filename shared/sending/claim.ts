/**
 * The claim contract both send paths keep (issue 15: regular and automated emails share one send
 * pipeline; issue 12 for the automated one). Whatever holds a send (an automated send's record,
 * a regular email's page of recipients):
 *
 *   lease    it is the holder's until `leaseUntil`, longer than the task that holds it may run, so
 *            a holder still at work is never taken for dead in AWS; locally, a claim made before
 *            this runtime started (`deps.sendTakeoverBefore`) is a dead process's;
 *   key      the mailer is called with the send's id as its idempotency key;
 *   mail     one attempt is classified: sent, transient (certainly did not go out: may be tried
 *            again), or failed (refused, or not known whether it went out: never tried again);
 *   takeover a send a dead holder may have mailed is decided by what the mailer knows of its key
 *            (`MailLookup`), or SES's acceptance recorded on the claim: sent, mail it now, wait
 *            (SES may still report it), or failed "interrupted" (the mailer cannot tell): never
 *            mailed twice.
 *
 * The two paths differ in their unit (one record per send; one item per page of recipients,
 * shared/emails/deliver.ts) and in what a transient failure costs (a later retry of the send; a
 * few tries within the page), not in these rules.
 */
import type { Deps } from '#shared/runtime/deps';
import { isPermanent, isTransient, type MailLookup, type OutgoingMail } from '#shared/ports/mailer';
import { logger } from '#shared/logger';

export const INTERRUPTED_REASON = 'interrupted: the mailer cannot tell whether it went out, so it is not sent again';

export const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

export type MailAttempt = { kind: 'sent'; messageId: string } | { kind: 'transient'; reason: string } | { kind: 'failed'; reason: string };

/** One attempt at a send under its idempotency key; `render` runs inside it, so a mail that cannot be rendered fails the send, not the page. */
export async function mailOnce(deps: Pick<Deps, 'mailer'>, key: string, render: () => OutgoingMail, source: string): Promise<MailAttempt> {
  try {
    const { messageId } = await deps.mailer.send({ ...render(), idempotencyKey: key });
    return { kind: 'sent', messageId };
  } catch (error) {
    const reason = reasonOf(error);
    if (isTransient(error)) return { kind: 'transient', reason };
    // Permanent, or not known whether it went out: not tried again (at most once, SPEC A7).
    if (!isPermanent(error)) logger.warn(`${source}: mailer failed; the send is not retried`, { sendId: key, reason });
    return { kind: 'failed', reason };
  }
}

/** A claim as the takeover reads it. */
export interface InterruptedClaim {
  readonly sendId: string;
  /** When the dead holder called the mailer (the SES grace runs from it). */
  readonly attemptedAt: Date;
  /** SES's Send (or Delivery, Bounce, Complaint) event recorded on the claim (shared/mail/bounces.ts). */
  readonly acceptedMessageId?: string;
  /** Recorded as certainly not mailed (a transient refusal): no need to ask the mailer. */
  readonly notSent?: boolean;
}

/** What the mailer knows of an interrupted attempt. */
export async function lookupInterrupted(deps: Pick<Deps, 'mailer'>, claim: InterruptedClaim, now: Date): Promise<MailLookup> {
  if (claim.notSent) return { state: 'unsent' };
  if (claim.acceptedMessageId) return { state: 'sent', messageId: claim.acceptedMessageId };
  return (await deps.mailer.lookup?.(claim.sendId, claim.attemptedAt, now)) ?? { state: 'unknown' };
}

export type TakeoverDecision = { kind: 'sent'; messageId: string } | { kind: 'mail' } | { kind: 'wait'; until: Date } | { kind: 'failed'; reason: string };

/** The decision a lookup makes: the same for both paths. */
export function decideTakeover(known: MailLookup): TakeoverDecision {
  switch (known.state) {
    case 'sent':
      return { kind: 'sent', messageId: known.messageId };
    case 'unsent':
      return { kind: 'mail' };
    case 'wait':
      return { kind: 'wait', until: known.until };
    default:
      return { kind: 'failed', reason: INTERRUPTED_REASON };
  }
}

/** Whether a claim's holder is gone: its lease ended, or (locally) it was claimed before this runtime started. */
export function holderGone(claim: { readonly leaseUntil: string; readonly claimedAt: string }, now: Date, takeoverBefore?: Date): boolean {
  return claim.leaseUntil <= now.toISOString() || (takeoverBefore !== undefined && claim.claimedAt < takeoverBefore.toISOString());
}

export const leaseEnd = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();
