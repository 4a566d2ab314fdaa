/**
 * zod schemas of the v1 answers' `Value` (the envelope is the v1 convention's, SPEC L9), for the
 * OpenAPI document only: v1 handlers declare them as `response` the way v2 handlers do, and
 * test/i17-typed-client.test.ts checks every v1 answer against them. Shapes: docs/api.md
 * (subscribe buckets, delete, unsubscribe, groups, API keys) and
 * reference/api-webhook_list-api_2024-04-18.md (the look-ups).
 */
import { z } from 'zod';
import { subscribeBuckets } from '#shared/subscribers/buckets';

/** The service's time format, `2024-03-01 16:58:52 +0900 KST`. */
const serviceTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0900 KST$/);
/** The look-ups' list and group time, `2020-03-03T23:44:57+09:00`. */
const offsetTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/);
const v1Status = z.enum(['S', 'D', 'A']);

/** A subscribe bucket's entry: the row as sent (email normalised) and five keys besides (issue 13). */
export const v1SubscribeRow = z
  .object({
    $type: z.enum(['MANUAL', 'SUBSCRIBER']),
    /** `""`: no stored subscriber for the row, or a v2 double opt-in still `ready`. */
    $status: z.union([v1Status, z.literal('')]),
    $createdTime: serviceTime,
    $modifiedTime: serviceTime,
    stb_ad_agreement: z.boolean(),
  })
  .catchall(z.unknown())
  .meta({ id: 'V1SubscribeRow' });

/** L4: every bucket, always present. */
export const v1SubscribeValue = z.strictObject(Object.fromEntries(subscribeBuckets.map((b) => [b, z.array(v1SubscribeRow)])) as Record<(typeof subscribeBuckets)[number], z.ZodArray<typeof v1SubscribeRow>>);

/** L5 and L7: the emails done and the ones refused (unknown, malformed, not a member). */
export const v1SuccessFailValue = z.strictObject({ success: z.array(z.string()), fail: z.array(z.string()) });
/** L6. */
export const v1UnsubscribeValue = z.strictObject({ success: z.array(z.string()), failOrAlreadyUnsubscribe: z.array(z.string()) });

/** L8 주소록 조회 and 그룹 조회: the page's rows, or null when there is none. */
export const v1CollectionValue = z.array(z.strictObject({ id: z.number().int(), name: z.string(), createdTime: offsetTime })).nullable();
/** L8 구독자 숫자 조회. */
export const v1CountValue = z.number().int().nonnegative();
/** L8 구독자 목록 조회: the page's fields (both spellings of the times), the list's custom-field values by tag, our `groupIds`. */
export const v1SubscriberRowValue = z.array(
  z
    .object({
      email: z.string(),
      status: v1Status,
      createdTime: serviceTime,
      modifiedTime: serviceTime,
      created_time: serviceTime,
      modified_time: serviceTime,
      stb_ad_agreement: z.boolean(),
      groupIds: z.array(z.number().int()),
    })
    .catchall(z.unknown()),
);

/** W2: a key as the API shows it, never its secret but at creation. */
const apiKey = { keyId: z.string(), name: z.string(), prefix: z.string(), status: z.enum(['active', 'inactive']), createdAt: z.string() };
export const v1ApiKeyValue = z.strictObject(apiKey);
export const v1ApiKeysValue = z.array(v1ApiKeyValue);
export const v1CreatedApiKeyValue = z.strictObject({ ...apiKey, secret: z.string() });
export const v1DeletedApiKeyValue = z.strictObject({ keyId: z.string(), deleted: z.literal(true) });
