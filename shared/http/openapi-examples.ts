/**
 * Request and success examples of the OpenAPI document (issue 17), from the source documents:
 * the v1 subscribe bodies of seed 002 (../shared/seeds/002_*.txt, "API 요청 및 응답 예제") and the
 * look-ups' answers of reference/api-webhook_list-api_2024-04-18.md, in the envelope we answer
 * (it always carries `Error: null` on success, where the reference's look-ups leave it out).
 * Refusal examples are not here: the generator takes each from the version's convention.
 */
import { subscribeBuckets } from '#shared/subscribers/buckets';

export type Examples = Record<string, { summary?: string; value: unknown } | { $ref: string }>;

const envelope = (value: unknown) => ({ Ok: true, Error: null, Value: value });
const at = '2024-04-18 10:00:00 +0900 KST';
const seedRow = (email: string, name: string) => ({ email, name, $status: 'S', $createdTime: at, $modifiedTime: at, stb_ad_agreement: false });

export const operationExamples: Readonly<Record<string, { request?: Examples; response?: Examples }>> = {
  'subscribers-subscribe': {
    request: {
      seedAdd: {
        summary: 'Seed 002: add two subscribers without a confirmation email (the body as the seed sends it, wrapped in an array)',
        value: [
          {
            eventOccurredBy: 'SUBSCRIBER',
            confirmEmailYN: 'N',
            groupIds: ['1234', '5123'],
            subscribers: [
              { email: 'gildong.go@stibee.com', name: '고길동' },
              { email: 'dooly@stibee.com', name: '둘리' },
            ],
          },
        ],
      },
      seedUpdate: {
        summary: "Seed 002: change an added subscriber's values (eventOccurredBy MANUAL)",
        value: [{ eventOccurredBy: 'MANUAL', confirmEmailYN: 'N', groupIds: ['1234'], subscribers: [{ email: 'dooly@stibee.com', name: '둘리' }] }],
      },
      bare: {
        summary: 'The same body without the array, which the seed also shows',
        value: { eventOccurredBy: 'SUBSCRIBER', confirmEmailYN: 'Y', subscribers: [{ email: 'gildong.go@stibee.com', name: '고길동' }] },
      },
    },
    response: {
      seedAnswer: {
        summary:
          "Seed 002's body as this API answers it: every bucket present, each row with the keys callers' decoders read (docs/api.md; the seed's own answer shows some buckets and no keys)",
        value: envelope({
          ...Object.fromEntries(subscribeBuckets.map((b) => [b, []])),
          success: [{ ...seedRow('gildong.go@stibee.com', '고길동'), $type: 'SUBSCRIBER' }],
          update: [{ ...seedRow('dooly@stibee.com', '둘리'), $type: 'MANUAL', $createdTime: '2024-02-11 09:12:03 +0900 KST' }],
        }),
      },
    },
  },
  'lists-list': {
    response: { reference: { summary: 'reference/api-webhook_list-api_2024-04-18.md, 주소록 조회', value: envelope([{ id: 0, name: 'string', createdTime: '2024-04-18T10:00:00+09:00' }]) } },
  },
  'groups-list': {
    response: { reference: { summary: 'reference/api-webhook_list-api_2024-04-18.md, 그룹 조회', value: envelope([{ id: 0, name: 'string', createdTime: '2024-04-18T10:00:00+09:00' }]) } },
  },
  'subscribers-count': {
    response: { reference: { summary: 'reference/api-webhook_list-api_2024-04-18.md, 구독자 숫자 조회', value: envelope(0) } },
  },
  'subscribers-list': {
    response: {
      reference: {
        summary: 'reference/api-webhook_list-api_2024-04-18.md, 구독자 목록 조회',
        value: envelope([
          // The page's row, with the times in both of its spellings and our groupIds (docs/api.md, Look-ups).
          { createdTime: at, created_time: at, email: 'dooly@stibee.com', modifiedTime: at, modified_time: at, status: 'S', stb_ad_agreement: false, groupIds: [] },
        ]),
      },
    },
  },
};
