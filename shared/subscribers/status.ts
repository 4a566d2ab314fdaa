/**
 * SPEC L3: the three statuses a subscriber of a list can have, and `ready` (구독 대기): added by
 * the v2 double opt-in and waiting for its confirmation link (issue 13). A `ready` subscriber is
 * in the list (v2 shows and counts it, a second add is refused) but receives nothing, triggers
 * nothing and is not yet "subscribed" for webhooks; the v1 look-ups, which know S/D/A only, do
 * not show it.
 */
export const subscriberStatuses = ['subscribed', 'unsubscribed', 'autoDeleted', 'ready'] as const;
export type SubscriberStatus = (typeof subscriberStatuses)[number];

/** What the v1 address-book API shows and counts. */
export const v1Statuses = ['subscribed', 'unsubscribed', 'autoDeleted'] as const satisfies readonly SubscriberStatus[];

/** The public v2 API's status words (reference/stibee-api-v2_openapi.yml) and ours. */
export const v2StatusOf: Record<SubscriberStatus, V2Status> = {
  subscribed: 'subscribed',
  unsubscribed: 'unsubscribed',
  autoDeleted: 'archived',
  ready: 'ready',
};
export const v2Statuses = ['subscribed', 'unsubscribed', 'archived', 'ready'] as const;
export type V2Status = (typeof v2Statuses)[number];
export const statusOfV2: Record<V2Status, SubscriberStatus> = {
  subscribed: 'subscribed',
  unsubscribed: 'unsubscribed',
  archived: 'autoDeleted',
  ready: 'ready',
};
