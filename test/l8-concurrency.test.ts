/** SPEC L8/R2: counts by status stay exact under concurrent writes of the same emails. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createList, subscribe } from './support/lists';

let app: TestApp;
let api: ApiClient;
beforeAll(async () => {
  app = await startTestApp();
  ({ api } = await app.newWorkspace());
});
afterAll(() => app.close());

const emails = Array.from({ length: 50 }, (_, i) => `c${i}@x.com`);
const pick = (seed: number) => emails.filter((_, i) => (i * 7 + seed) % 3 !== 0);

describe('concurrent writes', () => {
  it('L8: after parallel subscribe, unsubscribe and delete of overlapping emails, the counts equal a recount', async () => {
    const listId = await createList(api);
    for (let round = 0; round < 3; round++) {
      const requests: Promise<unknown>[] = [];
      for (let i = 0; i < 30; i++) {
        const some = pick(i + round);
        switch (i % 4) {
          case 0:
            requests.push(subscribe(api, listId, { eventOccurredBy: 'MANUAL', subscribers: some.map((email) => ({ email, name: `r${round}` })) }));
            break;
          case 1:
            requests.push(subscribe(api, listId, { eventOccurredBy: 'SUBSCRIBER', subscribers: some.map((email) => ({ email })) }));
            break;
          case 2:
            requests.push(api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, some));
            break;
          default:
            requests.push(api.del(`/v1/lists/${listId}/subscribers`, some.slice(0, 20)));
        }
      }
      const responses = (await Promise.all(requests)) as { status: number; body: { Ok: boolean } }[];
      for (const r of responses) expect(r.status).toBe(200);

      const everyone = await allSubscribers(api, listId);
      const recount = { subscribed: 0, unsubscribed: 0, autoDeleted: 0 };
      for (const s of everyone.values()) recount[s.status as keyof typeof recount]++;
      for (const status of ['subscribed', 'unsubscribed'] as const) {
        expect((await allSubscribers(api, listId, `status=${status}`)).size).toBe(recount[status]);
      }
      expect(await counts(api, listId)).toEqual({ ...recount, total: everyone.size });
    }
  });
});
