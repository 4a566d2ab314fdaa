/**
 * What a committed subscriber change means to list webhooks (SPEC L10): the original's actions
 * with its subscriber shapes, and GROUP_ASSIGNED / GROUP_RELEASED beyond it.
 */
import type { EventOccurredBy, SubscriberRecord } from '#shared/subscribers/record';
import type { WebhookAction } from './model';
import type { AutomationFact } from '#shared/automations/facts';

export interface SubscriberChange {
  action: WebhookAction;
  /** The subscriber as the payload shows it. */
  subscriber: Record<string, unknown>;
}

/** Fields are shown only for SUBSCRIBED and UPDATED; every other event shows just the email. */
const withFields = (s: SubscriberRecord) => ({ email: s.email, ...s.fields, $ad_agreed: s.adAgreed });

/** A `ready` subscriber (v2 double opt-in, not yet confirmed) is not yet in the list for webhooks: confirming is SUBSCRIBED. */
const listed = (s: SubscriberRecord | undefined) => (s && s.status !== 'ready' ? s : undefined);

export function changesOf(beforeRaw: SubscriberRecord | undefined, afterRaw: SubscriberRecord | undefined, reason?: string): SubscriberChange[] {
  const before = listed(beforeRaw);
  const after = listed(afterRaw);
  if (!before && after) return [{ action: 'SUBSCRIBED', subscriber: withFields(after) }];
  if (before && !after) return [{ action: 'PURGED', subscriber: { email: before.email } }];
  if (!before || !after) return [];
  const out: SubscriberChange[] = [];
  if (before.status !== after.status) {
    if (after.status === 'unsubscribed') {
      out.push({ action: 'UNSUBSCRIBED', subscriber: { email: after.email, ...(reason ? { $unsubscribe_reason: reason } : {}) } });
    } else if (after.status === 'autoDeleted') {
      out.push({ action: 'DELETED', subscriber: { email: after.email } });
    } else {
      out.push({ action: 'RESUBSCRIBED', subscriber: { email: after.email } });
    }
  }
  const fieldsChanged = JSON.stringify(before.fields) !== JSON.stringify(after.fields) || before.adAgreed !== after.adAgreed;
  if (fieldsChanged) out.push({ action: 'UPDATED', subscriber: { ...withFields(after), old_email: before.email } });
  const added = after.groupIds.filter((g) => !before.groupIds.includes(g));
  const removed = before.groupIds.filter((g) => !after.groupIds.includes(g));
  for (const groupId of added) out.push({ action: 'GROUP_ASSIGNED', subscriber: { email: after.email, groupId } });
  for (const groupId of removed) out.push({ action: 'GROUP_RELEASED', subscriber: { email: after.email, groupId } });
  return out;
}

/** What the outbox item of one transaction carries. */
export interface OutboxEvent {
  eventId: string;
  workspaceId: string;
  listId: number;
  eventOccurredBy: EventOccurredBy;
  occurredAt: string;
  changes: SubscriberChange[];
  /** What automated emails react to (SPEC A3); absent on events of lists without automations. */
  facts?: AutomationFact[];
}

/**
 * The payload, byte-compatible with the original (`id` as a string, both spellings of
 * eventOccurredBy); `eventId` and `occurredAt` are extra keys.
 */
export function payloadOf(event: Pick<OutboxEvent, 'listId' | 'eventOccurredBy' | 'occurredAt'>, action: WebhookAction, subscribers: Record<string, unknown>[], eventId: string) {
  return {
    id: String(event.listId),
    action,
    eventOccurredBy: event.eventOccurredBy,
    eventOccuredBy: event.eventOccurredBy,
    subscribers,
    eventId,
    occurredAt: event.occurredAt,
  };
}
