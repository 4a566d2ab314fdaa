/**
 * Dead letters (issue 12): work a shared loop tried, with back-off, and gave up on. Each is
 * parked where the tenant sees it through the API — a webhook's delivery log, an automated
 * email's dashboard, or (when neither can be named) the list — with the reason, so one tenant's
 * bad item is set aside instead of stopping everyone's work. Kept 30 days (TTL `expiresAt`).
 *
 * Every dead letter is also logged at error level as `dead letter` with a `deadLetter` object:
 * in AWS a metric filter on that message counts them for the dead-letter alarm.
 */
import { createHash } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from '#shared/db/batch';
import { keys, pad } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { logger } from '#shared/logger';
import type { OutboxEvent } from '#shared/webhooks/events';
import type { AutomationFact } from '#shared/automations/facts';
import { PACKED_ITEM_BUDGET_BYTES, jsonBytes } from '#shared/db/item-size';

export const DEAD_LETTER_TTL_DAYS = 30;
/** How many dead letters a delivery log or dashboard shows, newest first. */
export const DEAD_LETTERS_SHOWN = 100;
/** Emails named in a dead letter, so the tenant knows whom the parked work concerned. */
const EMAILS_KEPT = 20;

export type DeadLetterKind =
  /** A webhook delivery no attempt got a 2xx for within the delivery window, or the worker kept failing on it. */
  | 'delivery'
  /** A request's outbox batch the worker could not turn into deliveries. */
  | 'batch'
  /** A batch's automation facts the worker could not turn into pending sends. */
  | 'facts';

export type DeadLetterScope = { webhookId: string } | { automationId: number } | { listId: number };

export interface DeadLetter {
  id: string;
  kind: DeadLetterKind;
  /** When it was parked. */
  at: string;
  /** When the work first failed. */
  firstFailedAt: string;
  reason: string;
  attempts: number;
  workspaceId: string;
  listId: number;
  webhookId?: string;
  automationId?: number;
  /** The id a receiver deduplicates on (deliveries, batches) or the batch id (facts). */
  eventId?: string;
  action?: string;
  /** How many subscribers the parked work named, and the first of them. */
  subscribers: number;
  emails: string[];
  /**
   * Issue 17: what `npm run admin -- replay-dead-letter` needs to do the work again, at most
   * REPLAY_BUDGET_BYTES (absent when the work would not fit or cannot be rebuilt). Operators'
   * only: the API's views leave it out.
   */
  replay?: DeadLetterReplay;
}

export type DeadLetterReplay =
  /** The delivery's signed body, as the receiver would have got it (webhookId, eventId, action on the letter). */
  | { kind: 'delivery'; deliveryId: string; body: string }
  /** A batch's automation facts, handed to the events worker again. */
  | { kind: 'facts'; event: Pick<OutboxEvent, 'workspaceId' | 'listId' | 'eventOccurredBy' | 'occurredAt'>; factsEventId: string; facts: AutomationFact[] };

/** Room for the payload beside the rest of a dead letter (20 emails, a 500-character reason) in a 400 KB item. */
export const REPLAY_BUDGET_BYTES = PACKED_ITEM_BUDGET_BYTES;

/** The replay payload when it fits the budget, otherwise nothing (the letter is then not replayable). */
export const replayWithin = (replay: DeadLetterReplay): { replay?: DeadLetterReplay } => (jsonBytes(replay) <= REPLAY_BUDGET_BYTES ? { replay } : {});

export const scopeKey = (scope: DeadLetterScope): string =>
  'webhookId' in scope ? `WH#${scope.webhookId}` : 'automationId' in scope ? `AUTO#${pad(scope.automationId)}` : `LIST#${pad(scope.listId)}`;

/** A stable id, so parking the same work twice (a retried worker) writes one dead letter. */
export const deadLetterId = (...parts: Array<string | number>) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);

/** `Name: message`, cut to 500 characters: what the API shows as the reason. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 500);
}

export function emailsOf(subscribers: readonly { email?: unknown }[]): Pick<DeadLetter, 'subscribers' | 'emails'> {
  const emails = [...new Set(subscribers.map((s) => String(s.email ?? '')).filter(Boolean))];
  return { subscribers: emails.length, emails: emails.slice(0, EMAILS_KEPT) };
}

export async function parkDeadLetters(deps: Pick<Deps, 'db' | 'tableName' | 'clock' | 'metrics'>, letters: ReadonlyArray<{ scope: DeadLetterScope; letter: DeadLetter }>): Promise<void> {
  if (!letters.length) return;
  const expiresAt = Math.floor(deps.clock.now().getTime() / 1000) + DEAD_LETTER_TTL_DAYS * 86_400;
  await batchWrite(
    deps.db,
    deps.tableName,
    letters.map(({ scope, letter }) => ({
      // Keyed by when the work first failed: parking it again overwrites, never adds.
      put: { ...keys.deadLetter(scopeKey(scope), letter.firstFailedAt, letter.id), ...keys.deadLetterDayGsi(letter.at, letter.id), type: 'deadLetter', scope: scopeKey(scope), expiresAt, ...letter },
    })),
  );
  for (const { scope, letter } of letters) {
    deps.metrics.add('DeadLettersParked', 1, { Kind: letter.kind });
    logger.error('dead letter', {
      deadLetter: { kind: letter.kind, scope: scopeKey(scope), workspaceId: letter.workspaceId, listId: letter.listId, eventId: letter.eventId, reason: letter.reason, attempts: letter.attempts },
    });
  }
}

/** The newest dead letters of one scope. */
export async function listDeadLetters(deps: Pick<Deps, 'db' | 'tableName'>, scope: DeadLetterScope, limit = DEAD_LETTERS_SHOWN): Promise<DeadLetter[]> {
  const res = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.deadLetterPartition(scopeKey(scope)) },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  // The replay payload is the operator's (it may hold a whole delivery body): the tenant sees the letter.
  return (res.Items ?? []).map(({ PK: _p, SK: _s, GSI1PK: _g, GSI1SK: _h, type: _t, expiresAt: _e, scope: _c, replay: _r, ...letter }) => letter as unknown as DeadLetter);
}
