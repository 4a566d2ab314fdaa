/** SPEC R1: any body the subscribe endpoint refuses leaves the store exactly as it was (fast-check). */
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
        expect(res.status).toBeLessThan(500);
        if (res.body.Ok) {
          // A generated body can happen to be valid; it may write, so it becomes the new baseline.
          before = await snapshot(api, listId);
          return;
        }
        refused++;
        expect(res.body.Value).toBeNull();
        expect(res.body.Error?.Code).toMatch(/^[A-Z_]+$/);
        expect(await snapshot(api, listId)).toEqual(before);
      }),
      { numRuns: 60 },
    );
    expect(refused).toBeGreaterThan(30);
  });
});
