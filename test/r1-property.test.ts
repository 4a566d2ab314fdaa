/**
 * SPEC R1: any body the subscribe endpoint refuses leaves the store exactly as it was (fast-check).
 * Issue 13: v1 refusals answer the envelope in an HTTP 200 (writes) or 400 (the look-ups, as
 * reference/api-webhook_list-api_2024-04-18.md shows), and so do bad DELETE bodies and look-up
 * parameters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestApp, type ApiClient, type TestApp } from './support/app';
import { createGroup, createList, snapshot, subscribe } from './support/lists';

let app: TestApp;
let api: ApiClient;
let listId: number;
let foreignGroup: number;
beforeAll(async () => {
  app = await startTestApp();
  ({ api } = await app.newWorkspace());
  listId = await createList(api);
  foreignGroup = await createGroup(api, await createList(api, 'other'));
  await subscribe(api, listId, { subscribers: [{ email: 'kept@x.com', name: 'kept', phone: '010-1111-1111' }] });
});
afterAll(() => app.close());

const row = fc.record(
  {
    email: fc.oneof(fc.emailAddress(), fc.string(), fc.integer(), fc.constant(null)),
    name: fc.oneof(fc.string(), fc.integer()),
    phone: fc.oneof(fc.string(), fc.constant('010-1111-1111')),
    $ad_agreed: fc.oneof(fc.constantFrom('Y', 'N'), fc.string()),
  },
  { requiredKeys: [] },
);

/** Valid-looking bodies with one part broken, or bodies that are not the shape at all. */
const badBody = fc.oneof(
  fc.jsonValue(),
  fc.record({ subscribers: fc.oneof(fc.string(), fc.integer(), fc.dictionary(fc.string(), fc.string()), fc.array(fc.oneof(fc.string(), fc.integer()), { minLength: 1 })) }),
  fc.record({ eventOccurredBy: fc.string().filter((s) => s !== 'MANUAL' && s !== 'SUBSCRIBER'), subscribers: fc.array(row, { maxLength: 3 }) }),
  fc.record({ confirmEmailYN: fc.string().filter((s) => s !== 'Y' && s !== 'N'), subscribers: fc.array(row, { maxLength: 3 }) }),
  fc.record({ groupIds: fc.oneof(fc.constant(null).map(() => [foreignGroup]) /* read at run time: set in beforeAll */, fc.array(fc.string({ minLength: 1 }).filter((s) => !/^\d+$/.test(s)), { minLength: 1 })), subscribers: fc.array(row, { minLength: 1, maxLength: 3 }) }),
  fc.record({ confirmEmailYN: fc.constant('Y'), subscribers: fc.array(row, { minLength: 11, maxLength: 14 }) }),
  fc.tuple(fc.record({ subscribers: fc.array(row, { maxLength: 2 }) }), fc.record({ subscribers: fc.array(row, { maxLength: 2 }) })),
);

describe('R1 property', () => {
  it('R1: every refused subscribe request leaves counts and subscribers unchanged', async () => {
    let before = await snapshot(api, listId);
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(badBody, async (body) => {
        const res = await subscribe(api, listId, body);
        expect(res.status).toBe(200);
        if (res.body.Ok) {
          // A generated body can happen to be valid; it may write, so it becomes the new baseline.
          before = await snapshot(api, listId);
          return;
        }
        refused++;
        expect(res.body.Value).toBeNull();
        expect(res.body.Error?.Code).toMatch(/^[A-Z_]+$/);
        expect(res.body.Error?.HttpStatusCode).toBeGreaterThanOrEqual(0);
        expect(await snapshot(api, listId)).toEqual(before);
      }),
      { numRuns: 60 },
    );
    expect(refused).toBeGreaterThan(30);
  });

  it('R1: every refused DELETE body (bare array or {"subscribers": [...]} expected) answers the envelope in an HTTP 200 and deletes nothing', async () => {
    let before = await snapshot(api, listId);
    let refused = 0;
    const notAnArray = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.dictionary(fc.string(), fc.string()), fc.boolean());
    const badDelete = fc.oneof(
      fc.jsonValue().filter((v) => !Array.isArray(v)),
      fc.record({ subscribers: notAnArray }),
      fc.record({ emails: fc.array(fc.constant('kept@x.com')) }),
    );
    await fc.assert(
      fc.asyncProperty(badDelete, async (body) => {
        const res = await api.del(`/v1/lists/${listId}/subscribers`, JSON.stringify(body));
        expect(res.status).toBe(200);
        if (res.body.Ok) {
          before = await snapshot(api, listId);
          return;
        }
        refused++;
        expect(res.body).toMatchObject({ Ok: false, Error: { Code: expect.stringMatching(/^(INVALID_REQUEST|INVALID_JSON)$/), HttpStatusCode: 400 }, Value: null });
        expect(await snapshot(api, listId)).toEqual(before);
      }),
      { numRuns: 40 },
    );
    expect(refused).toBeGreaterThan(20);
    expect(before.subscribers.map((s) => s.email)).toContain('kept@x.com');
  });

  it('R1: bad look-up parameters (status, startDate, endDate, offset, limit) answer 400 in the envelope and change nothing', async () => {
    const before = await snapshot(api, listId);
    const badDay = fc.oneof(fc.string().filter((v) => !/^\d{8}$/.test(v)), fc.constantFrom('20240230', '20240231', '20241301', '2024-03-01'));
    const bad = fc.oneof(
      fc.record({ status: fc.string().filter((v) => !['S', 'D', 'A', 'subscribed', 'unsubscribed', 'autoDeleted'].includes(v)) }),
      fc.record({ startDate: badDay }),
      fc.record({ endDate: badDay }),
      fc.record({ limit: fc.oneof(fc.integer({ min: 1001 }), fc.integer({ max: 0 }), fc.constant('ten')) }),
      fc.record({ offset: fc.oneof(fc.integer({ max: -1 }), fc.constant('x')) }),
    );
    await fc.assert(
      fc.asyncProperty(bad, fc.boolean(), async (query, count) => {
        const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
        if (count && (qs.has('limit') || qs.has('offset'))) return;
        const res = await api.get(`/v1/lists/${listId}/subscribers${count ? '/count' : ''}?${qs}`);
        expect(res.status, qs.toString()).toBe(400);
        expect(res.body).toMatchObject({ Ok: false, Error: { Code: 'INVALID_REQUEST', HttpStatusCode: 400 }, Value: null });
      }),
      { numRuns: 60 },
    );
    expect(await snapshot(api, listId)).toEqual(before);
  });
});
