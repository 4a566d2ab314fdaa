/**
 * SPEC R1 for the public v2 API (issue 13; reference/stibee-api-v2_openapi.yml): any body the v2
 * subscriber endpoints (add, double opt-in, update, delete, batch, group assign) refuse gets the
 * v2 error shape `{code: "stberror.Errors.<Area>.<Name>", httpStatusCode: 400, message}` and
 * leaves the list exactly as it was (fast-check).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestApp, type ApiClient, type ApiResponse, type TestApp } from './support/app';
import { createGroup, createList } from './support/lists';

let app: TestApp;
let api: ApiClient;
let listId: number;
let groupId: number;
const fields = [{ tag: 'name', label: '이름' }, { tag: 'age', label: '나이', type: 'number' }, { tag: 'phone', label: '전화', type: 'phone' }];
beforeAll(async () => {
  app = await startTestApp();
  ({ api } = await app.newWorkspace());
  listId = await createList(api, 'v2 property', fields);
  groupId = await createGroup(api, listId, 'g');
  const seed = await api.post(`/v2/lists/${listId}/subscribers`, { subscriber: { email: 'kept@x.com', status: 'subscribed', fields: { name: 'kept', phone: '010-1111-1111' } } });
  expect(seed.status).toBe(200);
});
afterAll(() => app.close());

/** Everything a v2 client can read about the list. */
async function snapshot() {
  const [list, count, ready, groups] = await Promise.all([
    api.get(`/v2/lists/${listId}/subscribers?limit=1000`),
    api.get(`/v2/lists/${listId}/subscribers/count`),
    api.get(`/v2/lists/${listId}/subscribers/count?statuses=ready`),
    api.get(`/v2/lists/${listId}/groups`),
  ]);
  return { list: list.json, count: count.json, ready: ready.json, groups: groups.json };
}

const anything = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }));
const subscriber = fc.record(
  {
    email: fc.oneof(fc.emailAddress(), fc.string(), fc.integer(), fc.constant(null), fc.constant('kept@x.com'), fc.constant(`${'a'.repeat(70)}@x.com`)),
    status: fc.oneof(fc.constantFrom('subscribed', 'unsubscribed', 'archived', 'ready'), fc.string(), fc.integer()),
    marketingAllowed: fc.oneof(fc.boolean(), fc.string(), fc.integer()),
    fields: fc.oneof(
      fc.record({ name: fc.oneof(fc.string(), fc.integer()), age: fc.oneof(fc.string(), fc.integer()), phone: fc.oneof(fc.string(), fc.constant('010-1111-1111')) }, { requiredKeys: [] }),
      fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'email', '$ad_agreed')), anything, { maxKeys: 3 }),
      anything,
    ),
  },
  { requiredKeys: [] },
);

type Call = { method: string; path: () => string; body: unknown };
/** Bodies of each endpoint: valid-looking with a part broken, or not the shape at all. */
const call: fc.Arbitrary<Call> = fc.oneof(
  fc.record({ method: fc.constant('POST'), path: fc.constant(() => `/v2/lists/${listId}/subscribers`), body: fc.oneof(fc.jsonValue(), fc.record({ subscriber, updateEnabled: fc.oneof(fc.boolean(), anything) }, { requiredKeys: [] })) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant(() => `/v2/lists/${listId}/subscribers/double-optin`), body: fc.oneof(fc.jsonValue(), fc.record({ subscriber }, { requiredKeys: [] })) }),
  fc.record({ method: fc.constant('PUT'), path: fc.constantFrom(() => `/v2/lists/${listId}/subscribers/kept@x.com`, () => `/v2/lists/${listId}/subscribers/nobody@x.com`), body: fc.oneof(fc.jsonValue(), fc.record({ fields: fc.oneof(subscriber.map((s) => s.fields), anything) })) }),
  fc.record({ method: fc.constant('DELETE'), path: fc.constant(() => `/v2/lists/${listId}/subscribers`), body: fc.oneof(fc.jsonValue(), fc.record({ subscribers: fc.oneof(anything, fc.array(fc.emailAddress(), { minLength: 101, maxLength: 103 })) })) }),
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant(() => `/v2/lists/${listId}/subscribers/batch`),
    body: fc.oneof(
      fc.jsonValue(),
      fc.record({ subscribers: fc.oneof(anything, fc.array(subscriber, { maxLength: 4 })), updateEnabled: fc.oneof(fc.boolean(), anything) }, { requiredKeys: [] }),
      fc.constant(null).map(() => ({ subscribers: Array.from({ length: 1001 }, (_, i) => ({ email: `many${i}@x.com`, status: 'subscribed' })) })),
    ),
  }),
  fc.record({ method: fc.constant('POST'), path: fc.constantFrom(() => `/v2/lists/${listId}/groups/${groupId}/assign`, () => `/v2/lists/${listId}/groups/999999/assign`), body: fc.oneof(fc.jsonValue(), fc.record({ subscriber: fc.oneof(fc.emailAddress(), anything) })) }),
);

describe('R1 property, v2', () => {
  it('R1: every refused v2 subscriber or batch request answers the v2 error shape and changes nothing', async () => {
    let before = await snapshot();
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(call, async ({ method, path, body }) => {
        const res: ApiResponse = await api.request(method, path(), body);
        expect(res.status, res.text).toBeLessThan(500);
        if (res.status === 200 || res.status === 201) {
          // A generated body can happen to be valid; it may write, so it becomes the new baseline.
          expect(res.error).toBeUndefined();
          before = await snapshot();
          return;
        }
        refused++;
        expect(res.status, res.text).toBe(400);
        expect(res.json).toEqual({ code: expect.stringMatching(/^stberror\.Errors\.[A-Za-z]+\.[A-Za-z]+$/), httpStatusCode: 400, message: expect.stringMatching(/[가-힣]/) });
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: 60 },
    );
    expect(refused).toBeGreaterThan(20);
  }, 240_000);
});
