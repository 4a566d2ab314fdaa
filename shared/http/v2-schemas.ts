/** zod schemas of the public v2 API's parameters and answers (reference/stibee-api-v2_openapi.yml). */
import { z } from 'zod';
import { fieldValues, numericId } from './schemas';

const integerText = (name: string) => z.union([z.string().regex(/^\d{1,9}$/, `${name}이 숫자가 아닙니다.`), z.number().int().nonnegative()]).transform(Number);

export const offsetParam = integerText('offset').default(0);
export const limitParam = (fallback: number) =>
  integerText('limit')
    .refine((n) => n >= 1, 'limit이 1 이상이어야 합니다.')
    .default(fallback);
export const sortOrderParam = z.enum(['desc', 'asc']).default('desc');

export const listIdParams = z.object({ listId: numericId });
export const senderParams = z.object({ listId: numericId, email: z.string().min(1).max(320) });
export const subscriberParams = z.object({ listId: numericId, subscriber: z.string().min(1).max(320) });

/** Response schemas, for the OpenAPI document (test/v2-conformance.test.ts checks them against the yml). */
export const idResponse = z.object({ id: z.number().int() });
export const okText = z.literal('ok');
export const v2ListResponse = z.object({
  id: z.number().int(),
  owner: z.string(),
  name: z.string(),
  senderName: z.string(),
  companyName: z.string(),
  companyContact: z.string(),
  companyAddress: z.string(),
  useSubscriberAutoDelete: z.boolean(),
  canSendToUnsubscribed: z.boolean(),
  formEnabled: z.boolean().optional(),
  formLanguage: z.enum(['ko', 'en']).optional(),
  formConfirmEmail: z.boolean().optional(),
  formTitle: z.string().optional(),
  formDescription: z.string().optional(),
  formFields: z.array(z.string()).optional(),
  formUrl: z.string().optional(),
  formActionUrl: z.string().optional(),
  kind: z.string().optional(),
  fields: z.array(z.object({ tag: z.string(), label: z.string(), type: z.string() })).optional(),
  createdDate: z.string().optional(),
  modifiedDate: z.string().optional(),
  lastImportDate: z.string().nullable().optional(),
});
export const v2GroupResponse = z.object({ id: z.number().int(), name: z.string(), createdTime: z.string(), listId: z.number().int().optional() });
export const v2SenderResponse = z.object({ email: z.string(), authorized: z.boolean() });
export const v2SubscriberResponse = z.object({
  email: z.string(),
  status: z.enum(['subscribed', 'unsubscribed', 'archived', 'ready']),
  fields: z.record(z.string(), z.string()),
  createdTime: z.string(),
  modifiedTime: z.string(),
  groupIds: z.array(z.number().int()).optional(),
});
export const v2ErrorResponse = z.object({ code: z.string(), httpStatusCode: z.number().int(), message: z.string() });

/** A subscriber of the add and batch bodies (the yml's Subscriber / AddSubscriberRequest.subscriber). */
export const v2SubscriberBody = z.object({
  email: z.string().max(320),
  status: z.enum(['subscribed', 'unsubscribed']),
  marketingAllowed: z.boolean().optional(),
  fields: fieldValues.optional(),
});

// Regular emails (v2 /emails, issue 15)
export const emailIdParams = z.object({ emailId: numericId });
const idArray = z.array(z.number().int().positive()).max(100);
export const v2EmailSettingsBody = z
  .object({
    subject: z.string().max(500),
    senderEmail: z.string().max(320),
    senderName: z.string().max(200),
    listId: numericId,
    segmentIds: idArray,
    groupIds: idArray.nullable(),
    type: z.number().int(),
    subType: z.number().int(),
    abRatio: z.number().int().min(0).max(100),
    subjectA: z.string().max(500),
    subjectB: z.string().max(500),
    senderNameA: z.string().max(200),
    senderNameB: z.string().max(200),
  })
  .partial();
export const v2CreateEmailBody = v2EmailSettingsBody.required({ subject: true, senderEmail: true, senderName: true, listId: true });
export const v2EmailResponse = z.object({
  id: z.number().int(),
  status: z.number().int(),
  listId: z.number().int(),
  type: z.number().int(),
  subType: z.number().int(),
  subject: z.string(),
  subjectA: z.string(),
  subjectB: z.string(),
  permanentLink: z.string(),
  permanentLinkSecondary: z.string(),
  segmentIds: z.array(z.number().int()),
  groupIds: z.array(z.number().int()).nullable(),
  sentTime: z.string(),
  sentTimeA: z.string(),
  sentTimeB: z.string(),
  senderEmail: z.string(),
  senderName: z.string(),
  senderNameA: z.string(),
  senderNameB: z.string(),
  owner: z.string(),
  abRatio: z.number().int(),
  isStarred: z.boolean(),
  includeUnsubscribed: z.boolean(),
  createdTime: z.string(),
  modifiedTime: z.string(),
  tagIds: z.array(z.number().int()),
  reserveTime: z.string().nullable(),
  sendProgress: z
    .object({ queued: z.number(), sending: z.number(), sent: z.number(), failed: z.number(), opens: z.number(), uniqueOpens: z.number(), clicks: z.number(), uniqueClicks: z.number(), clickLogs: z.number() })
    .optional(),
});
export const v2EmailsPage = z.object({ total: z.number().int(), offset: z.number().int(), limit: z.number().int(), items: z.array(v2EmailResponse) });
export const v2EmailLogItem = z.object({
  id: z.number().int(),
  subscriber: z.string(),
  action: z.enum(['P', 'F', 'A', 'D', 'O', 'C']),
  value: z.string(),
  value2: z.string(),
  createdTime: z.string(),
});
export const v2EmailLogsPage = z.object({ total: z.number().int(), offset: z.number().int(), limit: z.number().int(), items: z.array(v2EmailLogItem) });
