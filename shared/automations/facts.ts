/**
 * What automated emails react to (SPEC A3): facts about subscribers, written into the same outbox
 * item as the change that caused them, and facts about emails (sent, failed, opened, clicked, an
 * API request), written by the dispatcher, the tracking links and the A3a endpoint. The events
 * worker turns them into pending sends, so a committed change never loses its trigger.
 */
import type { EventOccurredBy, SubscriberRecord } from '#shared/subscribers/record';

export type AutomationFact =
  | { kind: 'added'; email: string; by: EventOccurredBy }
  | { kind: 'fieldUpdated'; email: string; field: string; value: string | number }
  | { kind: 'groupAdded'; email: string; groupId: number }
  /** Unsubscribed, auto-deleted or deleted for good: their pending sends vanish (A5). */
  | { kind: 'gone'; email: string }
  | EmailFact
  | { kind: 'linkClicked'; automationId: number; emailId?: number; email: string; sendId: string; url: string }
  | { kind: 'api'; automationId: number; email: string; vars: Record<string, unknown> };

export interface EmailFact {
  kind: 'emailSent' | 'emailFailed' | 'emailOpened';
  /** The automated email sent; 0 for a regular email's send, which names `emailId` instead (issue 15). */
  automationId: number;
  emailId?: number;
  email: string;
  sendId: string;
}

/** The subscriber facts of one committed change. */
export function subscriberFactsOf(beforeRaw: SubscriberRecord | undefined, after: SubscriberRecord | undefined, by: EventOccurredBy): AutomationFact[] {
  // Confirming a v2 double opt-in (`ready` → subscribed) is the subscriber's arrival (issue 13).
  const before = beforeRaw?.status === 'ready' ? undefined : beforeRaw;
  if (!after) return before ? [{ kind: 'gone', email: before.email }] : [];
  if (after.status !== 'subscribed') return before?.status === 'subscribed' ? [{ kind: 'gone', email: after.email }] : [];
  if (!before) return [{ kind: 'added', email: after.email, by }];
  const out: AutomationFact[] = [];
  for (const [field, value] of Object.entries(after.fields)) {
    if (before.fields[field] !== value) out.push({ kind: 'fieldUpdated', email: after.email, field, value });
  }
  if (before.adAgreed !== after.adAgreed) out.push({ kind: 'fieldUpdated', email: after.email, field: '$ad_agreed', value: after.adAgreed });
  for (const groupId of after.groupIds) {
    if (!before.groupIds.includes(groupId)) out.push({ kind: 'groupAdded', email: after.email, groupId });
  }
  return out;
}
