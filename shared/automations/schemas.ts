/** Request shapes of the automated-email endpoints (SPEC A1-A7). */
import { z } from 'zod';
import { automationInputSchema } from './model';
import { RESERVED_TAGS } from '#shared/lists/fields';

const id = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === 'number' ? v : /^\d{1,15}$/.test(v.trim()) ? Number(v) : NaN))
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'a positive integer id');

export const automationParams = z.object({ automationId: id });
export const transitionActions = ['start', 'schedule', 'cancel-schedule', 'pause', 'resume', 'end'] as const;
export const transitionParams = z.object({ automationId: id, action: z.enum(transitionActions) });
export const queueActionParams = z.object({ automationId: id, operation: z.enum(['send', 'remove']) });

/** Create: the list, then the editable content (automationInputSchema, checked in full by the domain). */
export const createAutomationBody = z.object({ listId: id }).catchall(z.unknown());
export const updateAutomationBody = automationInputSchema;
export const listAutomationsQuery = z.object({ listId: id.optional() });

const instant = z.string().datetime({ offset: true });
export const transitionBody = z
  .object({
    /** schedule: when to start (to the minute). */
    startAt: instant.optional(),
    /** start / schedule: when to end by itself; null clears it. */
    endAt: instant.nullable().optional(),
  })
  .strict()
  .default({});

export const queueQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  order: z.enum(['asc', 'desc']).default('asc'),
  search: z.string().max(200).optional(),
});

export const queueSelectionBody = z
  .object({
    ids: z.array(z.string().min(1).max(200)).max(1000).optional(),
    all: z.boolean().optional(),
    search: z.string().max(200).optional(),
  })
  .strict()
  .refine((b) => b.all === true || (b.ids?.length ?? 0) > 0, 'ids (one or more) or all: true');

export const apiTriggerParams = z.object({ key: z.string().min(10).max(100) });
/**
 * Extra keys fill `$%key%$` tags of the one send (SPEC A3a). Issue 14: a key every JavaScript
 * object already has (`constructor`, `toString`, `__proto__`, …) can name no field of a list
 * (shared/lists/fields.ts) and would be read as an inherited member downstream: refused with a
 * clear message, before anything is read or written.
 */
export const apiTriggerBody = z
  .object({ subscriber: z.string().min(3).max(254) })
  .catchall(z.unknown())
  // `__proto__` never gets here: the JSON boundary refuses it (shared/http/json-depth.ts, hasProtoKey).
  .superRefine((body, ctx) => {
    for (const key of Object.keys(body)) {
      if (RESERVED_TAGS.has(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'a reserved name (one every JavaScript object has); use another key' });
    }
  });

export const trackingParams = z.object({ token: z.string().min(10).max(4096) });
