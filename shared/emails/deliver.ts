/**
 * The per-recipient send step of a regular email (issue 15), the same contract as the automated
 * dispatcher's (shared/automations/dispatch.ts, issue 12), so the two can be joined:
 *
 *   claim   one conditional item per recipient, created before the mailer is called, so a
 *           recipient is mailed at most once however often a page is retried;
 *   mail    through deps.mailer (the shared M3 rate, SES in AWS, outbox or SMTP locally), with
 *           the claim's id as the idempotency key the mailer's `lookup` answers for;
 *   record  sent or failed (with the reason), conditioned on the claim's lease.
 *
 * A claim whose holder died (its lease ended, or the local runtime restarted) is taken over
 * and finished by the mailer's record of its key: sent, mailed now, or failed when the mailer
 * cannot tell (SMTP). Figures move in the transactions of the claims and results they count.
 * Writes per recipient: the claim and the result (two), plus one figures update per transaction.
 */
import { createHash, randomUUID } from 'node:crypto';
import { TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { backoff, batchGet, chunk, keyString, sleep } from '#shared/db/batch';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { countSends } from '#shared/metrics/sends';
import { isTransient, type MailLookup, type OutgoingMail } from '#shared/ports/mailer';
import type { SubscriberRecord } from '#shared/subscribers/record';
import { crashAt } from '#shared/faults/crash-at';
import { logger } from '#shared/logger';
import type { SendFigures } from './model';
import { factWrites } from '#shared/automations/dispatch';

type Tx = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A claim is its page task's for this long (the task's timeout and a margin; infra/constructs/email-sends.ts). */
export const RECIPIENT_LEASE_MS = 150_000;
/** Logs of a send are kept this long (TTL), also after the email is deleted. */
export const LOG_RETENTION_DAYS = 730;
const MAIL_CONCURRENCY = 16;
const TX_UNITS = 99;
const TRANSIENT_ATTEMPTS = 3;

/** One send of a regular email to one subscriber, as the per-recipient step needs it. */
export interface RecipientSend {
  readonly emailId: number;
  readonly subscriber: SubscriberRecord;
  /** The claim's id: the mailer's idempotency key and the tracking tokens' send id. */
  readonly sendId: string;
}

export interface DeliverResult {
  sent: number;
  failed: number;
  /** Claimed by a holder that may still be at it (or a mailer that cannot tell yet): the page is tried again later. */
  held: number;
}

/** What a page hands the step: its recipients and how to render one. */
export interface DeliverInput {
  readonly emailId: number;
  readonly recipients: readonly SubscriberRecord[];
  readonly render: (send: RecipientSend) => OutgoingMail;
  /**
   * Set when a running automated email watches this one (issue 15): each result's sent / failed
   * fact is committed with the result, through the outbox, as the automated dispatcher does.
   */
  readonly facts?: { readonly workspaceId: string; readonly listId: number };
}

/** Deterministic, so every retry of a page claims the same item and the mailer sees the same key; file-name safe (the outbox). */
export const sendIdOfRecipient = (emailId: number, email: string) => `e${emailId}-${createHash('sha1').update(email).digest('hex').slice(0, 24)}`;

interface Claim {
  subscriber: SubscriberRecord;
  sendId: string;
  leaseId: string;
  attemptedAt: string;
  /** Taken over from a dead holder: what the mailer knows of its attempt decides. */
  known?: MailLookup;
}

type Outcome = { kind: 'sent'; messageId: string; attempts: number } | { kind: 'failed'; reason: string; attempts: number };

export function figuresWrite(tableName: string, emailId: number, delta: Partial<SendFigures>): Tx | undefined {
  const entries = Object.entries(delta).filter(([, v]) => v);
  if (!entries.length) return undefined;
  return {
    Update: {
      TableName: tableName,
      Key: keys.emailStats(emailId, Math.floor(Math.random() * SUBSCRIBER_SHARDS)),
      UpdateExpression: `ADD ${entries.map((_, i) => `#n${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#n${i}`, k])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
    },
  };
}

/**
 * Commits each unit (one write) with the figures of those committed, TX_UNITS a transaction. A
 * unit whose condition fails is left out (reported false) and the rest of its transaction is
 * committed again; conflicts on a figures item are retried.
 */
async function commitUnits<U extends { write: Tx; delta: Partial<SendFigures> }>(
  deps: Pick<Deps, 'db' | 'tableName'>,
  emailId: number,
  units: readonly U[],
  /** Items committed with each transaction's members (the outbox event of their facts), at most `items` of them. */
  extra?: { items: number; writes: (members: readonly U[]) => Tx[] },
): Promise<boolean[]> {
  const done = new Array<boolean>(units.length).fill(false);
  for (const pack of chunk(units.map((u, i) => ({ ...u, i })), TX_UNITS - (extra?.items ?? 0))) {
    let members = pack;
    for (let round = 0; members.length; round++) {
      const delta: Partial<SendFigures> = {};
      for (const m of members) for (const [k, v] of Object.entries(m.delta) as [keyof SendFigures, number][]) delta[k] = (delta[k] ?? 0) + v;
      const stats = figuresWrite(deps.tableName, emailId, delta);
      try {
        await deps.db.send(new TransactWriteCommand({ TransactItems: [...members.map((m) => m.write), ...(stats ? [stats] : []), ...(extra?.writes(members) ?? [])] }));
        for (const m of members) done[m.i] = true;
        break;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || round >= 10) throw error;
        const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
        const failed = new Set(members.filter((_, j) => codes[j] === 'ConditionalCheckFailed').map((m) => m.i));
        if (!failed.size) await backoff(round + 1);
        members = members.filter((m) => !failed.has(m.i));
      }
    }
  }
  return done;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/** Claims, mails and records one page of recipients. */
export async function deliver(deps: Deps, input: DeliverInput): Promise<DeliverResult> {
  const { emailId } = input;
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const leaseId = randomUUID();
  const leaseUntil = new Date(now.getTime() + RECIPIENT_LEASE_MS).toISOString();
  const expiresAt = Math.floor(now.getTime() / 1000) + LOG_RETENTION_DAYS * 86_400;
  // One recipient once, even when groups overlap on a page.
  const recipients = [...new Map(input.recipients.map((s) => [s.email, s])).values()];
  const claimed = await commitUnits(
    deps,
    emailId,
    recipients.map((s) => ({
      write: {
        Put: {
          TableName: deps.tableName,
          Item: {
            ...keys.emailRecipient(emailId, s.email),
            type: 'emailRecipient',
            emailId,
            email: s.email,
            sendId: sendIdOfRecipient(emailId, s.email),
            status: 'sending',
            leaseId,
            leaseUntil,
            claimedAt: nowIso,
            attemptedAt: nowIso,
            expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      delta: { queued: 1, sending: 1 },
    })),
  );
  crashAt('email:claimed');
  const mine: Claim[] = recipients.filter((_, i) => claimed[i]).map((subscriber) => ({ subscriber, sendId: sendIdOfRecipient(emailId, subscriber.email), leaseId, attemptedAt: nowIso }));
  const { taken, held, ours } = await takeOverDead(deps, emailId, recipients.filter((_, i) => !claimed[i]), leaseId);
  for (const subscriber of ours) mine.push({ subscriber, sendId: sendIdOfRecipient(emailId, subscriber.email), leaseId, attemptedAt: nowIso });
  const outcomes = new Map<Claim, Outcome>();
  const toMail = [...mine];
  for (const c of taken) {
    if (c.known?.state === 'sent') outcomes.set(c, { kind: 'sent', messageId: c.known.messageId, attempts: 1 });
    else if (c.known?.state === 'unsent') toMail.push(c);
    else outcomes.set(c, { kind: 'failed', reason: 'interrupted: the mailer cannot tell whether it went out, so it is not sent again', attempts: 1 });
  }
  let next = 0;
  const worker = async () => {
    while (next < toMail.length) {
      const c = toMail[next++]!;
      outcomes.set(c, await mailOne(deps, input, c));
      crashAt('email:mailed');
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAIL_CONCURRENCY, toMail.length) }, worker));
  const entries = [...outcomes];
  const at = deps.clock.now().toISOString();
  const facts = input.facts;
  const recorded = await commitUnits(
    deps,
    emailId,
    entries.map(([c, o]) => ({
      claim: c,
      outcome: o,
      write: {
        Update: {
          TableName: deps.tableName,
          Key: keys.emailRecipient(emailId, c.subscriber.email),
          UpdateExpression: 'SET #s = :s, sentAt = :at, attempts = :n, #r = :r REMOVE leaseId, leaseUntil',
          ConditionExpression: '#s = :sending AND leaseId = :lease',
          ExpressionAttributeNames: { '#s': 'status', '#r': o.kind === 'sent' ? 'messageId' : 'reason' },
          ExpressionAttributeValues: { ':s': o.kind, ':at': at, ':n': o.attempts, ':r': o.kind === 'sent' ? o.messageId : o.reason, ':sending': 'sending', ':lease': c.leaseId },
        },
      },
      delta: o.kind === 'sent' ? { sending: -1, sent: 1 } : { sending: -1, failed: 1 },
    })),
    facts && {
      items: 2,
      writes: (members) =>
        factWrites(
          deps.tableName,
          at,
          members.map((m) => ({ kind: m.outcome.kind === 'sent' ? 'emailSent' : 'emailFailed', automationId: 0, emailId, email: m.claim.subscriber.email, sendId: m.claim.sendId, ...facts })),
        ),
    },
  );
  crashAt('email:recorded');
  countSends(deps.metrics, 'email', entries.filter((_, i) => recorded[i]).map(([, o]) => o));
  const result: DeliverResult = { sent: 0, failed: 0, held };
  entries.forEach(([, o], i) => {
    if (recorded[i]) result[o.kind === 'sent' ? 'sent' : 'failed']++;
  });
  return result;
}

async function mailOne(deps: Deps, input: DeliverInput, c: Claim): Promise<Outcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const mail = input.render({ emailId: input.emailId, subscriber: c.subscriber, sendId: c.sendId });
      const { messageId } = await deps.mailer.send({ ...mail, idempotencyKey: c.sendId });
      return { kind: 'sent', messageId, attempts: attempt };
    } catch (error) {
      // A transient refusal certainly did not go out: tried again a few times within the page.
      if (isTransient(error) && attempt < TRANSIENT_ATTEMPTS) {
        await sleep(250 * 2 ** attempt);
        continue;
      }
      const reason = reasonOf(error);
      if (!isTransient(error)) logger.warn('regular email: mailer failed; not retried', { sendId: c.sendId, reason });
      return { kind: 'failed', reason: isTransient(error) ? `gave up after ${attempt} attempts: ${reason}` : reason, attempts: attempt };
    }
  }
}

/**
 * Recipients this page found already claimed: finished ones are left alone; one whose holder is
 * gone (lease ended, or claimed before this local runtime started) is taken over, and what the
 * mailer knows of the interrupted attempt decides; one still held is counted `held`.
 */
async function takeOverDead(deps: Deps, emailId: number, recipients: readonly SubscriberRecord[], leaseId: string): Promise<{ taken: Claim[]; held: number; ours: SubscriberRecord[] }> {
  if (!recipients.length) return { taken: [], held: 0, ours: [] };
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const before = deps.sendTakeoverBefore?.toISOString();
  const found = await batchGet(deps.db, deps.tableName, recipients.map((s) => keys.emailRecipient(emailId, s.email)));
  const taken: Claim[] = [];
  const ours: SubscriberRecord[] = [];
  let held = 0;
  for (const s of recipients) {
    const item = found.get(keyString(keys.emailRecipient(emailId, s.email)));
    if (!item || item.status !== 'sending') continue;
    // Our own claim: the SDK retried a claim transaction that had committed (a timeout on a loaded machine).
    if (item.leaseId === leaseId) {
      ours.push(s);
      continue;
    }
    const dead = String(item.leaseUntil) <= nowIso || (before !== undefined && String(item.claimedAt) < before);
    if (!dead) {
      held++;
      continue;
    }
    const sendId = String(item.sendId);
    // SES said it took the message (its Send event, shared/mail/bounces.ts): sent, never mailed again.
    const known: MailLookup = item.acceptedMessageId
      ? { state: 'sent', messageId: String(item.acceptedMessageId) }
      : ((await deps.mailer.lookup?.(sendId, new Date(String(item.attemptedAt)), now)) ?? { state: 'unknown' });
    if (known.state === 'wait') {
      // SES reports acceptance a little later: this recipient waits for the page's next try.
      held++;
      continue;
    }
    const newLease = randomUUID();
    try {
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.tableName,
          Key: keys.emailRecipient(emailId, s.email),
          UpdateExpression: 'SET leaseId = :new, leaseUntil = :until, attemptedAt = :now',
          ConditionExpression: '#s = :sending AND leaseId = :old',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':new': newLease, ':until': new Date(now.getTime() + RECIPIENT_LEASE_MS).toISOString(), ':now': nowIso, ':sending': 'sending', ':old': item.leaseId },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) continue;
      throw error;
    }
    taken.push({ subscriber: s, sendId, leaseId: newLease, attemptedAt: nowIso, known });
  }
  return { taken, held, ours };
}
