/** SPEC L4 result buckets, in the order the original prints them (alphabetical). */
export const subscribeBuckets = [
  'failDeny',
  'failDuplicatedEmail',
  'failDuplicatedPhone',
  'failExistEmail',
  'failExistPhone',
  'failNoEmail',
  'failUnknown',
  'failWrongEmail',
  'failWrongPhone',
  'success',
  'update',
] as const;
export type SubscribeBucket = (typeof subscribeBuckets)[number];
export type SubscribeResult = Record<SubscribeBucket, Record<string, unknown>[]>;

export const emptySubscribeResult = (): SubscribeResult =>
  Object.fromEntries(subscribeBuckets.map((b) => [b, []])) as unknown as SubscribeResult;
