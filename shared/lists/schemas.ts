import { z } from 'zod';
import { fieldTagSchema, fieldTypes } from './fields';
import { listKinds, type ListKind } from './model';

export const fieldSchema = z.object({
  tag: fieldTagSchema,
  label: z.string().min(1).max(100),
  type: z.enum(fieldTypes).default('text'),
});

const settings = {
  senderName: z.string().max(100),
  companyName: z.string().max(200),
  companyContact: z.string().max(200),
  companyAddress: z.string().max(500),
  useSubscriberAutoDelete: z.boolean(),
  canSendToUnsubscribed: z.boolean(),
  // Issue 15: the subscription form's settings.
  formEnabled: z.boolean(),
  formLanguage: z.enum(['ko', 'en']),
  formConfirmEmail: z.boolean(),
  formTitle: z.string().max(200),
  formDescription: z.string().max(2000),
  formFields: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/)).max(100),
};

type FormSettings = {
  formEnabled?: boolean;
  formLanguage?: 'ko' | 'en';
  formConfirmEmail?: boolean;
  formTitle?: string;
  formDescription?: string;
  formFields?: string[];
};

/**
 * POST /v2/lists: the yml's CreateListRequest requires name, senderName, companyName,
 * companyContact and companyAddress; the two switches are optional; `fields` and `kind` are ours.
 */
export const createListBody = z.object({
  name: z.string().trim().min(1).max(200),
  senderName: settings.senderName,
  companyName: settings.companyName,
  companyContact: settings.companyContact,
  companyAddress: settings.companyAddress,
  useSubscriberAutoDelete: settings.useSubscriberAutoDelete.optional(),
  canSendToUnsubscribed: settings.canSendToUnsubscribed.optional(),
  formEnabled: settings.formEnabled.optional(),
  formLanguage: settings.formLanguage.optional(),
  formConfirmEmail: settings.formConfirmEmail.optional(),
  formTitle: settings.formTitle.optional(),
  formDescription: settings.formDescription.optional(),
  formFields: settings.formFields.optional(),
  fields: z.array(fieldSchema).max(100).optional(),
  kind: z.enum(listKinds).optional(),
}) as z.ZodType<{
  name: string;
  kind?: ListKind;
  senderName: string;
  companyName: string;
  companyContact: string;
  companyAddress: string;
  useSubscriberAutoDelete?: boolean;
  canSendToUnsubscribed?: boolean;
  fields?: z.infer<typeof fieldSchema>[];
} & FormSettings>;

/** PUT /v2/lists/{id}: the public API marks every field, but only non-empty ones change. */
export const updateListBody = z
  .object({ name: z.string().max(200).optional(), ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v.optional()])) })
  .strict() as z.ZodType<{
  name?: string;
  senderName?: string;
  companyName?: string;
  companyContact?: string;
  companyAddress?: string;
  useSubscriberAutoDelete?: boolean;
  canSendToUnsubscribed?: boolean;
} & FormSettings>;

export const groupBody = z.object({ name: z.string().trim().min(1).max(100) });
export const fieldPatchBody = z.object({ label: z.string().min(1).max(100).optional(), type: z.enum(fieldTypes).optional() }).strict();

/** Upper bound of `limit` in every v1 look-up (the page: "최대 1,000"); also the default. */
export const V1_MAX_LIMIT = 1000;

const offset = z.coerce.number().int().min(0).max(10_000_000).default(0);
const limit = z.coerce.number().int().min(1).max(V1_MAX_LIMIT).default(V1_MAX_LIMIT);
export const v1PagingQuery = { offset, limit };

/** `GET /v1/lists` and `GET /v1/lists/{id}/groups` (the page writes `Id`: sortBy is read case-insensitively). */
export const v1CollectionQuery = z.object({
  ...v1PagingQuery,
  sortBy: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['createdtime', 'id', 'name']))
    .transform((s) => (s === 'createdtime' ? 'createdTime' : s) as 'createdTime' | 'id' | 'name')
    .default('id'),
  orderBy: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['asc', 'desc']))
    .default('asc'),
});
