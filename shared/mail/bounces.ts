/**
 * SPEC M2: SES bounces and complaints (through SNS). A permanent bounce or a complaint marks
 * the address auto-deleted in every list of the sending workspace that holds it (bounces only
 * where the list's useSubscriberAutoDelete is on; a complaint always stops mail), which emits
 * the DELETED webhook event. Transient bounces are counted on the workspace, nothing else.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { batchGet } from '#shared/db/batch';
import { keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { listLists } from '#shared/lists/lists';
import { loadListContext } from '#shared/lists/model';
import { applyMutations, eventContextFor } from '#shared/subscribers/store';
import { normalizeEmail } from '#shared/subscribers/email';
import { logger } from '#shared/logger';
import { LOG_RETENTION_DAYS, sendIdOfRecipient } from '#shared/emails/deliver';

interface SesEvent {
  eventType?: string;
  notificationType?: string;
  bounce?: { bounceType?: string; bouncedRecipients?: { emailAddress?: string }[] };
  complaint?: { complainedRecipients?: { emailAddress?: string }[] };
  mail?: { messageId?: string; destination?: string[]; tags?: Record<string, string[]> };
}

export type BounceOutcome = { kind: 'auto-deleted'; lists: number } | { kind: 'counted' } | { kind: 'accepted' } | { kind: 'ignored'; why: string };

export async function handleSesEvent(deps: Deps, raw: string): Promise<BounceOutcome> {
  let event: SesEvent;
  try {
    event = JSON.parse(raw) as SesEvent;
  } catch {
    return { kind: 'ignored', why: 'message is not JSON' };
  }
  const type = event.eventType ?? event.notificationType;
  if (type === 'Send') return recordAccepted(deps, event);
  // A delivery, bounce or complaint shows SES took the message as well: should its Send event have
  // been lost, the send is not mailed again after a crash either (issue 15).
  if (type === 'Delivery' || type === 'Bounce' || type === 'Complaint') await recordAccepted(deps, event);
  if (type === 'Delivery') return { kind: 'accepted' };
  const workspaceId = event.mail?.tags?.workspaceId?.[0];
  if (!workspaceId) return { kind: 'ignored', why: 'no workspaceId tag' };
  // Issue 17: per recipient, as SES counts its bounce and complaint rates.
  if (type === 'Bounce') deps.metrics.add('Bounces', event.bounce?.bouncedRecipients?.length || 1, { BounceType: event.bounce?.bounceType === 'Permanent' ? 'Permanent' : 'Transient' });
  if (type === 'Complaint') deps.metrics.add('Complaints', event.complaint?.complainedRecipients?.length || 1, {});
  if (type === 'Bounce' && event.bounce?.bounceType !== 'Permanent') {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.workspace(workspaceId),
        UpdateExpression: 'ADD transientBounces :one',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    ).catch(() => undefined);
    return { kind: 'counted' };
  }
  if (type !== 'Bounce' && type !== 'Complaint') return { kind: 'ignored', why: `event ${type}` };
  const complaint = type === 'Complaint';
  const recipients = (complaint ? event.complaint?.complainedRecipients : event.bounce?.bouncedRecipients) ?? [];
  const emails = [...new Set(recipients.map((r) => normalizeEmail(String(r.emailAddress ?? ''))).filter(Boolean))];
  if (emails.length === 0) return { kind: 'ignored', why: 'no recipients' };

  const lists = (await listLists(deps, workspaceId)).filter((l) => complaint || l.useSubscriberAutoDelete);
  // One BatchGet finds which lists hold which address.
  const found = await batchGet(deps.db, deps.tableName, lists.flatMap((l) => emails.map((e) => keys.subscriber(l.listId, l.gen, e))));
  const holders = new Map<number, string[]>();
  for (const item of found.values()) {
    if (item.type !== 'subscriber' || item.status === 'autoDeleted') continue;
    holders.set(Number(item.listId), [...(holders.get(Number(item.listId)) ?? []), String(item.email)]);
  }
  const now = deps.clock.now().toISOString();
  for (const [listId, holding] of holders) {
    const ctx = await loadListContext(deps, workspaceId, listId);
    await applyMutations(
      deps,
      ctx.list,
      holding,
      ({ current }) =>
        current && current.status !== 'autoDeleted'
          ? { kind: 'put', next: { ...current, status: 'autoDeleted', updatedAt: now, version: current.version + 1 }, result: true }
          : { kind: 'none', result: false },
      new Map(),
      eventContextFor(ctx, complaint ? 'SUBSCRIBER' : 'MANUAL', now),
    );
  }
  logger.info('ses event applied', { type, workspaceId, recipients: emails.length, lists: holders.size });
  return { kind: 'auto-deleted', lists: holders.size };
}

/**
 * Issue 12: SES's `Send` event says it accepted the message. Its `sendId` tag names the automated
 * send, which is marked accepted while it is still `sending`: the record the sweeper reads when the
 * dispatcher died before recording the result, so the send is not mailed a second time. Issue 15:
 * a regular email's recipient item is marked the same way (created if its page has not written
 * it yet), for the page task that takes the page over.
 */
async function recordAccepted(deps: Deps, event: SesEvent): Promise<BounceOutcome> {
  const sendId = event.mail?.tags?.sendId?.[0];
  const key = sendId ? claimKeyOf(sendId, event.mail?.destination ?? []) : undefined;
  if (!key) return { kind: 'ignored', why: 'Send event without a sendId tag of a send' };
  const messageId = event.mail?.messageId ?? 'accepted';
  try {
    await deps.db.send(
      new UpdateCommand(
        key.regular
          ? {
              // A regular email's result item is written after its page's sub-batch is mailed
              // (shared/emails/deliver.ts): acceptance may come first and creates it `sending`,
              // never touching a recorded (final) one.
              TableName: deps.tableName,
              Key: key.key,
              UpdateExpression: 'SET acceptedMessageId = :m, #s = if_not_exists(#s, :sending), #t = if_not_exists(#t, :type), email = if_not_exists(email, :email), expiresAt = if_not_exists(expiresAt, :exp)',
              ConditionExpression: 'attribute_not_exists(#s) OR #s = :sending',
              ExpressionAttributeNames: { '#s': 'status', '#t': 'type' },
              ExpressionAttributeValues: { ':m': messageId, ':sending': 'sending', ':type': 'emailRecipient', ':email': key.key.SK, ':exp': Math.floor(deps.clock.now().getTime() / 1000) + LOG_RETENTION_DAYS * 86_400 },
            }
          : {
              TableName: deps.tableName,
              Key: key.key,
              UpdateExpression: 'SET acceptedMessageId = :m',
              ConditionExpression: '#s = :sending',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: { ':m': messageId, ':sending': 'sending' },
            },
      ),
    );
  } catch (error) {
    // Recorded sent (or failed) already: nothing to remember.
    if (error instanceof ConditionalCheckFailedException) return { kind: 'accepted' };
    throw error;
  }
  return { kind: 'accepted' };
}

/**
 * The claim item a `sendId` tag names: an automated send's record (24 hex digits), or a regular
 * email's recipient item (`e<emailId>-<hash>`, shared/emails/deliver.ts; issue 15), found by the
 * message's destination, which must hash to the same id (a forged or foreign tag names nothing).
 */
function claimKeyOf(sendId: string, destination: readonly string[]): { key: { PK: string; SK: string }; regular: boolean } | undefined {
  if (/^[0-9a-f]{24}$/.test(sendId)) return { key: keys.send(sendId), regular: false };
  const regular = /^e(\d{1,15})-[0-9a-f]{24}$/.exec(sendId);
  if (!regular) return undefined;
  const emailId = Number(regular[1]);
  for (const raw of destination) {
    const address = /<([^>]+)>\s*$/.exec(raw)?.[1] ?? raw;
    for (const email of new Set([address.trim(), normalizeEmail(address)])) {
      if (email && sendIdOfRecipient(emailId, email) === sendId) return { key: keys.emailRecipient(emailId, email), regular: true };
    }
  }
  return undefined;
}
