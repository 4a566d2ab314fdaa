/**
 * SPEC A1-A4: an automated email as the API takes and shows it, and as it is stored (in its
 * list's partition, so every subscriber request that loads the list also knows its automations).
 */
import { z } from 'zod';
import { isTimeZone, type Delay, type Recurrence, type SendWindow } from './time';

export const automationStates = ['draft', 'scheduled', 'running', 'paused', 'ended'] as const;
export type AutomationState = (typeof automationStates)[number];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00-23:59');
const weekday = z.number().int().min(0).max(6);
const positiveMinutes = z.number().int().min(1).max(366 * 24 * 60);

/**
 * Which email a behaviour trigger watches (issue 15): another automated email of the workspace
 * (`automationId`) or one of its regular emails (`emailId`, a v2 /emails id). Exactly one of the
 * two; the input schema's refinement says so (a discriminated union's members cannot refine).
 */
const emailRef = {
  automationId: z.number().int().positive().optional().describe('The watched automated email (exactly one of automationId and emailId)'),
  emailId: z.number().int().positive().optional().describe('The watched regular email, a /v2/emails id (exactly one of automationId and emailId; issue 15)'),
};
/** The email a trigger watches, if it watches one. */
export const watchedEmailOf = (t: Trigger): { automationId: number } | { emailId: number } | undefined =>
  'emailId' in t && t.emailId !== undefined ? { emailId: t.emailId } : 'automationId' in t && t.automationId !== undefined ? { automationId: t.automationId } : undefined;

export const triggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscriberAdded'), includeAdminAdded: z.boolean().default(false) }),
  z.object({
    type: z.literal('anniversary'),
    field: z.string().min(1),
    daysBefore: z.number().int().min(0).max(365).default(0),
    /** Local time of day the yearly email is due (the daily scan runs then). */
    at: hhmm.default('09:00'),
  }),
  z.object({ type: z.literal('fieldUpdated'), field: z.string().min(1), value: z.union([z.string(), z.number()]) }),
  z.object({ type: z.literal('groupAdded'), groupId: z.number().int().positive() }),
  z.object({ type: z.literal('emailSent'), ...emailRef }),
  z.object({ type: z.literal('emailFailed'), ...emailRef }),
  z.object({ type: z.literal('emailOpened'), ...emailRef }),
  z.object({ type: z.literal('emailNotOpened'), ...emailRef, withinMinutes: positiveMinutes }),
  z.object({ type: z.literal('linkClicked'), ...emailRef, url: z.string().url().optional() }),
  z.object({ type: z.literal('linkNotClicked'), ...emailRef, url: z.string().url().optional(), withinMinutes: positiveMinutes }),
  z.object({ type: z.literal('api') }),
]);
export type Trigger = z.infer<typeof triggerSchema>;
export type TriggerType = Trigger['type'];

export const EMAIL_TRIGGER_TYPES: ReadonlySet<TriggerType> = new Set(['emailSent', 'emailFailed', 'emailOpened', 'emailNotOpened', 'linkClicked', 'linkNotClicked']);

/** Triggers that by their nature fire once per subscriber, whatever the duplicate setting (A3). */
export const neverRepeats: ReadonlySet<TriggerType> = new Set(['anniversary', 'emailNotOpened', 'linkNotClicked']);

const fieldCondition = z.object({
  type: z.literal('field'),
  field: z.string().min(1),
  op: z.enum(['eq', 'ne', 'contains', 'notContains', 'startsWith', 'endsWith', 'empty', 'notEmpty', 'gt', 'lt']),
  value: z.union([z.string(), z.number()]).optional(),
});
const groupCondition = z.object({ type: z.literal('group'), groupId: z.number().int().positive(), op: z.enum(['in', 'notIn']).default('in') });
export const filterSchema = z.object({
  match: z.enum(['all', 'any']).default('all'),
  conditions: z.array(z.discriminatedUnion('type', [fieldCondition, groupCondition])).max(20),
});
export type Filter = z.infer<typeof filterSchema>;

const sendWindowSchema = z.union([
  z.object({ days: z.array(weekday).min(1).max(7), from: hhmm, to: hhmm }).strict(),
  z.object({ fromDay: weekday, from: hhmm, toDay: weekday, to: hhmm }).strict(),
]);

const isoInstant = z.string().datetime({ offset: true });

export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** The http(s) targets of the links of an email's HTML, as the click tracking rewrites them. */
export const linkTargets = (html: string): string[] => [...html.matchAll(/href=(["'])(https?:\/\/[^"']+)\1/gi)].map((m) => m[2]!);

/** The editable content of an automated email (create and PUT take the same shape). */
export const automationInputSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    senderName: z.string().trim().max(100).default(''),
    senderEmail: z.string().email(),
    subject: z.string().min(1).max(500),
    preheader: z.string().max(500).default(''),
    html: z
      .string()
      .min(1)
      .max(200_000)
      // A CR or LF in a link target would end up in the click redirect's Location header.
      .refine((html) => !linkTargets(html).some((url) => CONTROL_CHARACTERS.test(url)), 'a link target (href) may not contain control characters such as CR, LF or tab'),
    triggers: z.array(triggerSchema).min(1).max(10),
    triggerMatch: z.enum(['all', 'any']).default('any'),
    allowDuplicates: z.boolean().default(false),
    /** Minutes during which a repeated trigger is ignored; 0: none (A3). */
    quietPeriodMinutes: z.number().int().min(0).max(525_600).default(0),
    filter: filterSchema.nullable().default(null),
    delay: z
      .object({ value: z.number().int().min(0).max(100_000), unit: z.enum(['minutes', 'hours', 'days', 'weeks', 'years']) })
      .nullable()
      .default(null),
    sendWindow: sendWindowSchema.nullable().default(null),
    recurrence: z.enum(['daily', 'weekly', 'monthly']).nullable().default(null),
    timeZone: z.string().default('Asia/Seoul').refine(isTimeZone, 'an IANA time zone, e.g. Asia/Seoul'),
    endAt: isoInstant.nullable().default(null),
  })
  .strict()
  .superRefine((v, ctx) => {
    const kinds = v.triggers.map((t) => t.type);
    v.triggers.forEach((t, i) => {
      if (!EMAIL_TRIGGER_TYPES.has(t.type)) return;
      const ref = t as { automationId?: number; emailId?: number };
      if ((ref.automationId === undefined) === (ref.emailId === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['triggers', i], message: 'name the watched email: automationId (an automated email) or emailId (a regular email), one of the two' });
      }
    });
    if (v.recurrence && kinds.includes('anniversary')) {
      ctx.addIssue({ code: 'custom', path: ['recurrence'], message: 'anniversary triggers cannot recur (A4)' });
    }
    if (kinds.includes('api') && kinds.length > 1 && v.triggerMatch === 'all') {
      ctx.addIssue({ code: 'custom', path: ['triggerMatch'], message: 'an API trigger can only be combined with "any"' });
    }
  });
export type AutomationInput = z.infer<typeof automationInputSchema>;

export interface PauseInterval {
  from: string;
  /** Absent while the pause lasts. */
  to?: string;
}

export interface AutomationRecord extends AutomationInput {
  automationId: number;
  listId: number;
  workspaceId: string;
  state: AutomationState;
  /** Secret path segment of the A3a endpoint. */
  apiKey: string;
  startAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** Pauses, newest last: a send that fell due inside one is dropped, also after resume (A6). */
  pauses: PauseInterval[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

export const toAutomationRecord = (item: Record<string, unknown>): AutomationRecord => {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, type: _type, ...rest } = item;
  return rest as unknown as AutomationRecord;
};

/** What the API shows: the record without its storage keys, and the A3a endpoint path. */
export function viewOf(a: AutomationRecord) {
  const { apiKey, ...rest } = a;
  return {
    ...rest,
    ...(a.triggers.some((t) => t.type === 'api') ? { apiEndpoint: `/api/v1.0/auto/${apiKey}` } : {}),
  };
}

export type { Delay, Recurrence, SendWindow };
