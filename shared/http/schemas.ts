/** zod schemas shared by several handlers. */
import { z } from 'zod';

const numericId = z.union([z.string().regex(/^\d{1,15}$/, 'must be a positive number'), z.number().int().positive()])
  .transform(Number)
  .refine((n) => n > 0, 'must be a positive number');

export const listIdParams = z.object({ listId: numericId });
export const groupParams = z.object({ listId: numericId, groupId: numericId });
export { numericId };

/** L5-L7 bodies: an array of emails (elements are checked one by one, never failing the request). */
export const emailArrayBody = z.array(z.unknown()).max(10_000);
/**
 * L5 (and L6) bodies: the bare array of the reference page, or `{"subscribers": [...]}` as
 * callers' typed clients send it (issue 13).
 */
export const emailListBody = z
  .union([emailArrayBody, z.object({ subscribers: emailArrayBody })])
  .transform((b) => (Array.isArray(b) ? b : b.subscribers));

/**
 * Issue 14 (R1): a subscriber's field value as a request may send it: a string, number, boolean
 * or null. An object or array (however deep) is refused with the request, before any write.
 */
export const fieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'a field value must be a string, number, boolean or null',
});

/** A subscriber row or a `fields` object: names to field values. */
export const fieldValues = z.record(z.string(), fieldValue);
