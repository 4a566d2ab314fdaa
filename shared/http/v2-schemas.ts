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
