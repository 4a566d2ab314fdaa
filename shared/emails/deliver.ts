/**
 * The send step of a regular email's page (issue 15), on the claim contract both send paths keep
 * (shared/sending/claim.ts). docs/api.md "Sending" and docs/data-model.md "Email recipients".
 *
 *   claim    the page (the state machine's task unit) is claimed once: one item under a lease
 *            longer than the page task may run, written in one transaction with the figures of
 *            the recipients it takes on (queued, sending);
 *   attempt  recipients are mailed in sub-batches; before one is mailed, the page item records
 *            exactly whom it is about to mail (`inFlight`: address → attempt time), one plain
 *            conditional update on the lease;
 *   record   after it, each recipient's result item (sent / failed with the reason: the item the
 *            logs, opens, clicks and SES's acceptance use) goes in BatchWriteItem, then one small
 *            transaction empties `inFlight` and moves the figures (and the sent / failed facts,
 *            when an automated email watches this one): committed exactly once per sub-batch.
 *
 * A page whose holder is gone (its lease ended; locally, claimed before this runtime started) is
 * taken over: a result item is final (its figures were committed unless the recipient is still in
 * `inFlight`, then they are committed now, without mailing); an in-flight recipient without a
 * result is decided by the mailer's record of its idempotency key (sent, mailed now, wait, or
 * failed "interrupted"), never mailed twice; anyone else without a result was never attempted and
 * is mailed. Because `inFlight` names addresses rather than positions, a page whose members
 * changed between attempts (a subscriber joined or left) is taken over as safely.
 *
 * Item writes per recipient: its result (one), plus per sub-batch of SUB_BATCH the attempt and
 * the commit's page and figures items, plus the page's claim: about 1.03 (bench/send.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { writeIf } from '#shared/db/conditional';
import { backoff, batchGet, batchWrite, keyString, sleep, type Item } from '#shared/db/batch';
import { keys, shardOf, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { countSends } from '#shared/metrics/sends';
import type { OutgoingMail } from '#shared/ports/mailer';
import type { SubscriberRecord } from '#shared/subscribers/record';
import { crashAt } from '#shared/faults/crash-at';
import { decideTakeover, holderGone, leaseEnd, lookupInterrupted, mailOnce } from '#shared/sending/claim';
import type { SendFigures } from './model';
import { factWrites } from '#shared/automations/dispatch';

type Tx = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A page claim is its task's for this long: longer than the page task's timeout (120 s,
 * state-machine.ts; the Lambda's own timeout is no longer), so a holder still at work is never
 * taken over in AWS.
 */
export const PAGE_LEASE_MS = 150_000;
/** Logs of a send are kept this long (TTL), also after the email is deleted. */
export const LOG_RETENTION_DAYS = 730;
/** Recipients mailed between two commits of a page: the most a crash leaves to the mailer's look-up. */
export const SUB_BATCH = 100;
const MAIL_CONCURRENCY = 16;
const TRANSIENT_ATTEMPTS = 3;
const COMMIT_ROUNDS = 10;

/** One send of a regular email to one subscriber, as the per-recipient step needs it. */
export interface RecipientSend {
  readonly emailId: number;
  readonly subscriber: SubscriberRecord;
  /** The recipient's send id: the mailer's idempotency key and the tracking tokens' send id. */
  readonly sendId: string;
}

export interface DeliverResult {
  sent: number;
  failed: number;
  /** Left for a later try: the page is held by a holder that may still be at it, or the mailer cannot tell yet (SES's grace). */
  held: number;
}

/** What a page hands the step: its recipients and how to render one. */
export interface DeliverInput {
  readonly emailId: number;
  readonly recipients: readonly SubscriberRecord[];
  readonly render: (send: RecipientSend) => OutgoingMail;
  /**
   * Which page of the send this is (its shard and the cursor it starts at: the same on every
   * retry of the page task). Without it, the page is named by its recipients.
   */
  readonly page?: { readonly shard: number; readonly cursor: string | null };
  /**
   * Set when a running automated email watches this one (issue 15): each result's sent / failed
   * fact is committed with the result, through the outbox, as the automated dispatcher does.
   */
  readonly facts?: { readonly workspaceId: string; readonly listId: number };
}

const hash = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 24);

/** Deterministic, so every retry of a page mails under the same key; file-name safe (the outbox). */
export const sendIdOfRecipient = (emailId: number, email: string) => `e${emailId}-${hash(email)}`;

/** The page item as stored now (strongly consistent: a claim and its commits decide on it). */
const readPage = async (deps: Pick<Deps, 'db' | 'tableName'>, pageKey: { PK: string; SK: string }) =>
  (await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: pageKey, ConsistentRead: true }))).Item as (PageItem & Item) | undefined;

/** The page item's key: by shard and cursor, or (a caller without a page) by the recipients. */
function pageKeyOf(input: DeliverInput, emails: readonly string[]) {
  if (input.page) return keys.emailPage(input.emailId, input.page.shard, hash(`${input.page.shard}\u0000${input.page.cursor ?? ''}`));
  return keys.emailPage(input.emailId, emails.length ? shardOf(emails[0]!) : 0, `r${hash(emails.join('\u0000'))}`);
}

/** The page item (docs/data-model.md). */
interface PageItem {
  leaseId: string;
  leaseUntil: string;
  claimedAt: string;
  /** Recipients this page counts in the figures' queued and sending whose result is not committed. */
  open: number;
  /** Recipients possibly mailed whose result is not committed: address → when the mailer was called. */
  inFlight: Record<string, string>;
  /** Sub-batches committed, and the one being mailed (for operators; `inFlight` is what a takeover reads). */
  committed: number;
  attempting: number;
}

type Outcome = { kind: 'sent'; messageId: string; attempts: number } | { kind: 'failed'; reason: string; attempts: number };
type Result = { status: 'sent' | 'failed' };

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

/** The page's lease was taken from this attempt (it cannot be in AWS; locally only by a clock moved past it): the task is tried again. */
export class PageLeaseLostError extends Error {
  override readonly name = 'PageLeaseLost';
}

const finalOf = (item: Item | undefined): Result | undefined => (item?.status === 'sent' || item?.status === 'failed' ? { status: item.status } : undefined);

/** Claims, mails and records one page of recipients. */
export async function deliver(deps: Deps, input: DeliverInput): Promise<DeliverResult> {
  const { emailId } = input;
  // One recipient once, even when groups overlap on a page; in address order, as pages are read.
  const byEmail = new Map(input.recipients.map((s) => [s.email, s]));
  const emails = [...byEmail.keys()].sort();
  const pageKey = pageKeyOf(input, emails);
  const page = await readPage(deps, pageKey);
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const inFlight = page?.inFlight ?? {};
  const involved = [...new Set([...emails, ...Object.keys(inFlight)])];
  const found = involved.length ? await batchGet(deps.db, deps.tableName, involved.map((e) => keys.emailRecipient(emailId, e))) : new Map<string, Item>();
  const itemOf = (email: string) => found.get(keyString(keys.emailRecipient(emailId, email)));
  const toDo = emails.filter((e) => !finalOf(itemOf(e)) && !(e in inFlight));
  // Results written by a dead holder whose commit did not happen: committed now, not mailed.
  const recommit = Object.keys(inFlight).filter((e) => finalOf(itemOf(e)));
  const interrupted = Object.keys(inFlight).filter((e) => !finalOf(itemOf(e)));

  if (page && !holderGone(page, now, deps.sendTakeoverBefore)) return { sent: 0, failed: 0, held: toDo.length + interrupted.length };
  const open = toDo.length + interrupted.length;
  // Nothing to do (no recipients, or a re-run of a finished page): nothing is written.
  if (!open && !recommit.length && !(page?.open ?? 0)) return { sent: 0, failed: 0, held: 0 };

  const leaseId = randomUUID();
  const claimed: PageItem = { leaseId, leaseUntil: leaseEnd(now, PAGE_LEASE_MS), claimedAt: nowIso, open, inFlight: Object.fromEntries(interrupted.map((e) => [e, inFlight[e]!])), committed: page?.committed ?? 0, attempting: page?.attempting ?? 0 };
  const recommitted = recommit.map((email) => ({ email, status: finalOf(itemOf(email))!.status }));
  const at = nowIso;
  const claimDelta: Partial<SendFigures> = {
    // What this page counts now, less what its last holder counted (the same unless its members changed).
    queued: open + recommit.length - (page?.open ?? 0),
    sending: open - (page?.open ?? 0),
    sent: recommitted.filter((r) => r.status === 'sent').length,
    failed: recommitted.filter((r) => r.status === 'failed').length,
  };
  const expiresAt = Math.floor(now.getTime() / 1000) + LOG_RETENTION_DAYS * 86_400;
  const claim: Tx = {
    Put: {
      TableName: deps.tableName,
      Item: { ...pageKey, type: 'emailPage', emailId, ...claimed, expiresAt },
      ...(page ? { ConditionExpression: 'leaseId = :old', ExpressionAttributeValues: { ':old': page.leaseId } } : { ConditionExpression: 'attribute_not_exists(PK)' }),
    },
  };
  if (!(await commit(deps, emailId, claim, claimDelta, factsOf(deps, input, at, recommitted)))) {
    // Another attempt claimed it first, unless the SDK retried our own transaction after it committed.
    if ((await readPage(deps, pageKey))?.leaseId !== leaseId) return { sent: 0, failed: 0, held: open };
  }
  crashAt('email:claimed');

  const state = { ...claimed };
  const result: DeliverResult = { sent: claimDelta.sent ?? 0, failed: claimDelta.failed ?? 0, held: 0 };
  const ctx: PageCtx = { deps, input, pageKey, state, expiresAt };

  const waiting: Record<string, string> = {};
  try {
    await finishPage(ctx, { byEmail, itemOf, inFlight, interrupted, toDo, waiting, now }, result);
  } catch (error) {
    // Nothing of this attempt is in flight any more (every mail was answered before a write
    // could fail): the page's next try need not wait for the lease. Best effort.
    await release(ctx).catch(() => undefined);
    throw error;
  }
  result.held = Object.keys(waiting).length;
  return result;
}

interface PageWork {
  byEmail: Map<string, SubscriberRecord>;
  itemOf: (email: string) => Item | undefined;
  /** The dead holder's. */
  inFlight: Record<string, string>;
  interrupted: string[];
  toDo: string[];
  /** Filled with the in-flight recipients left waiting (SES may still report them). */
  waiting: Record<string, string>;
  now: Date;
}

async function finishPage(ctx: PageCtx, work: PageWork, result: DeliverResult): Promise<void> {
  const { deps, input } = ctx;
  const { emailId } = input;
  const { byEmail, itemOf, inFlight, interrupted, toDo, waiting, now } = work;
  // The dead holder's in-flight recipients first: decided by what the mailer knows of each.
  if (interrupted.length) {
    const decided = new Map<string, Outcome>();
    const remail: SubscriberRecord[] = [];
    const dropped: string[] = [];
    await Promise.all(
      interrupted.map(async (email) => {
        const item = itemOf(email);
        const known = await lookupInterrupted(deps, { sendId: sendIdOfRecipient(emailId, email), attemptedAt: new Date(inFlight[email]!), ...(item?.acceptedMessageId ? { acceptedMessageId: String(item.acceptedMessageId) } : {}) }, now);
        const decision = decideTakeover(known);
        if (decision.kind === 'sent') decided.set(email, { kind: 'sent', messageId: decision.messageId, attempts: 1 });
        else if (decision.kind === 'failed') decided.set(email, { kind: 'failed', reason: decision.reason, attempts: 1 });
        else if (decision.kind === 'wait') waiting[email] = inFlight[email]!;
        // Certainly not sent: mailed now if still a recipient of this page; one who left the page is no longer this page's.
        else if (byEmail.has(email)) remail.push(byEmail.get(email)!);
        else dropped.push(email);
      }),
    );
    await subBatch(ctx, { decided, toMail: remail, dropped, keep: waiting, release: !toDo.length }, result);
  }
  // Then everyone this page has not attempted, SUB_BATCH at a time.
  for (let i = 0; i < toDo.length; i += SUB_BATCH) {
    const part = toDo.slice(i, i + SUB_BATCH).map((e) => byEmail.get(e)!);
    await subBatch(ctx, { decided: new Map(), toMail: part, dropped: [], keep: waiting, release: i + SUB_BATCH >= toDo.length }, result);
  }
  if (!interrupted.length && !toDo.length) await release(ctx);
}

interface PageCtx {
  deps: Deps;
  input: DeliverInput;
  pageKey: { PK: string; SK: string };
  /** The page item as this holder last wrote it. */
  state: PageItem;
  expiresAt: number;
}

interface SubBatch {
  /** Recipients decided without mailing (a takeover's). */
  decided: Map<string, Outcome>;
  toMail: SubscriberRecord[];
  /** Counted by this page, no longer its recipients: uncounted. */
  dropped: string[];
  /** In-flight recipients left as they are (SES may still report them). */
  keep: Record<string, string>;
  /** The page's last sub-batch: its commit ends the lease, so the page's next run need not wait for it. */
  release: boolean;
}

/** Attempt, mail, record and commit one sub-batch. */
async function subBatch(ctx: PageCtx, batch: SubBatch, result: DeliverResult): Promise<void> {
  const { deps, input, state } = ctx;
  const { emailId } = input;
  const k = state.committed + 1;
  const outcomes = new Map(batch.decided);
  if (batch.toMail.length) {
    const attemptedAt = deps.clock.now().toISOString();
    const inFlight = { ...batch.keep, ...Object.fromEntries([...batch.decided.keys()].map((e) => [e, state.inFlight[e] ?? attemptedAt])), ...Object.fromEntries(batch.toMail.map((s) => [s.email, attemptedAt])) };
    const attempting = await writeIf(
      deps.db,
      new UpdateCommand({
        TableName: deps.tableName,
        Key: ctx.pageKey,
        UpdateExpression: 'SET inFlight = :f, attempting = :k',
        ConditionExpression: 'leaseId = :lease',
        ExpressionAttributeValues: { ':f': inFlight, ':k': k, ':lease': state.leaseId },
      }),
    );
    if (!attempting) throw new PageLeaseLostError(`page ${ctx.pageKey.SK} of email ${emailId}: lease lost`);
    state.inFlight = inFlight;
    state.attempting = k;
    let next = 0;
    const worker = async () => {
      while (next < batch.toMail.length) {
        const s = batch.toMail[next++]!;
        outcomes.set(s.email, await mailWithRetries(deps, input, s));
        crashAt('email:mailed');
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAIL_CONCURRENCY, batch.toMail.length) }, worker));
  }
  const at = deps.clock.now().toISOString();
  const entries = [...outcomes];
  // The results, each a plain put: nobody else writes a recipient's status while this page holds
  // its lease (SES's acceptance only marks an item without one, shared/mail/bounces.ts).
  await batchWrite(
    deps.db,
    deps.tableName,
    entries.map(([email, o]) => ({
      put: {
        ...keys.emailRecipient(emailId, email),
        type: 'emailRecipient',
        emailId,
        email,
        sendId: sendIdOfRecipient(emailId, email),
        status: o.kind,
        sentAt: at,
        attempts: o.attempts,
        ...(o.kind === 'sent' ? { messageId: o.messageId } : { reason: o.reason }),
        expiresAt: ctx.expiresAt,
      },
    })),
  );
  crashAt('email:results');
  const sent = entries.filter(([, o]) => o.kind === 'sent').length;
  const failed = entries.length - sent;
  const resolved = entries.length + batch.dropped.length;
  const pageWrite: Tx = {
    Update: {
      TableName: deps.tableName,
      Key: ctx.pageKey,
      UpdateExpression: `SET inFlight = :keep, committed = :k${batch.release ? ', leaseUntil = :now' : ''} ADD #open :minus`,
      ConditionExpression: 'leaseId = :lease AND committed = :prev',
      ExpressionAttributeNames: { '#open': 'open' },
      ExpressionAttributeValues: { ':keep': batch.keep, ':k': k, ':prev': state.committed, ':minus': -resolved, ':lease': state.leaseId, ...(batch.release ? { ':now': at } : {}) },
    },
  };
  const delta: Partial<SendFigures> = { sending: -resolved, sent, failed, queued: -batch.dropped.length };
  if (!(await commit(deps, emailId, pageWrite, delta, factsOf(deps, input, at, entries.map(([email, o]) => ({ email, status: o.kind })))))) {
    // The SDK may have retried our own transaction after it committed: then the page shows it.
    const seen = await readPage(deps, ctx.pageKey);
    if (seen?.leaseId !== state.leaseId || seen.committed !== k) throw new PageLeaseLostError(`page ${ctx.pageKey.SK} of email ${emailId}: lease lost before sub-batch ${k} was committed`);
  }
  state.inFlight = { ...batch.keep };
  state.committed = k;
  state.open -= resolved;
  crashAt('email:recorded');
  countSends(deps.metrics, 'email', entries.map(([, o]) => o));
  result.sent += sent;
  result.failed += failed;
}

/** Ends the lease of a page with nothing left to do (a re-run of a finished page). */
async function release(ctx: PageCtx): Promise<void> {
  await writeIf(
    ctx.deps.db,
    new UpdateCommand({
      TableName: ctx.deps.tableName,
      Key: ctx.pageKey,
      UpdateExpression: 'SET leaseUntil = :now',
      ConditionExpression: 'leaseId = :lease',
      ExpressionAttributeValues: { ':now': ctx.deps.clock.now().toISOString(), ':lease': ctx.state.leaseId },
    }),
  );
}

/** The sent / failed facts of these results, when an automated email watches this one. */
function factsOf(deps: Deps, input: DeliverInput, at: string, results: ReadonlyArray<{ email: string; status: 'sent' | 'failed' }>): Tx[] {
  const facts = input.facts;
  if (!facts || !results.length) return [];
  return factWrites(
    deps.tableName,
    at,
    results.map((r) => ({ kind: r.status === 'sent' ? 'emailSent' : 'emailFailed', automationId: 0, emailId: input.emailId, email: r.email, sendId: sendIdOfRecipient(input.emailId, r.email), ...facts })),
  );
}

/**
 * The page write with the figures it moves and its facts, in one transaction; false when the
 * page's condition failed. Conflicts on a figures item are tried again.
 */
async function commit(deps: Pick<Deps, 'db' | 'tableName'>, emailId: number, pageWrite: Tx, delta: Partial<SendFigures>, extra: Tx[]): Promise<boolean> {
  for (let round = 0; ; round++) {
    const stats = figuresWrite(deps.tableName, emailId, delta);
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: [pageWrite, ...(stats ? [stats] : []), ...extra] }));
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || round >= COMMIT_ROUNDS) throw error;
      if (error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      await backoff(round + 1);
    }
  }
}

async function mailWithRetries(deps: Deps, input: DeliverInput, subscriber: SubscriberRecord): Promise<Outcome> {
  const sendId = sendIdOfRecipient(input.emailId, subscriber.email);
  for (let attempt = 1; ; attempt++) {
    const tried = await mailOnce(deps, sendId, () => input.render({ emailId: input.emailId, subscriber, sendId }), 'regular email');
    if (tried.kind === 'sent') return { kind: 'sent', messageId: tried.messageId, attempts: attempt };
    if (tried.kind === 'failed') return { kind: 'failed', reason: tried.reason, attempts: attempt };
    // A transient refusal certainly did not go out: tried again a few times within the page.
    if (attempt >= TRANSIENT_ATTEMPTS) return { kind: 'failed', reason: `gave up after ${attempt} attempts: ${tried.reason}`, attempts: attempt };
    await sleep(250 * 2 ** attempt);
  }
}
