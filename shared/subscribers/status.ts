/** SPEC L3: the three statuses a subscriber of a list can have. */
export const subscriberStatuses = ['subscribed', 'unsubscribed', 'autoDeleted'] as const;
export type SubscriberStatus = (typeof subscriberStatuses)[number];
