/**
 * SPEC L4 result buckets, in the order the original prints them (alphabetical). failValidation
 * and failValidationDateTime appear in real answers of the original (a value that does not fit
 * its custom field's type; a date or date-time that does not parse), issue 13.
 */
export const subscribeBuckets = [
  'failDeny',
  'failDuplicatedEmail',
  'failDuplicatedPhone',
  'failExistEmail',
  'failExistPhone',
  'failNoEmail',
  'failUnknown',
  'failValidation',
  'failValidationDateTime',
  'failWrongEmail',
  'failWrongPhone',
  'success',
  'update',
] as const;
export type SubscribeBucket = (typeof subscribeBuckets)[number];
export type SubscribeResult = Record<SubscribeBucket, Record<string, unknown>[]>;

export const emptySubscribeResult = (): SubscribeResult =>
  Object.fromEntries(subscribeBuckets.map((b) => [b, []])) as unknown as SubscribeResult;
