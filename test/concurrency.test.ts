/**
 * SPEC L8 with R2: the counts by status stay exact while subscribe (MANUAL and SUBSCRIBER),
 * unsubscribe, delete and group writes of the same emails race each other.
 */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type ApiResponse, type TestApp } from './support/app';
import { asSubscriber, counts, createGroup, createList, subscribe, type Subscriber, type V1Row } from './support/lists';
import { applyMutations } from '#shared/subscribers/store';

let app: TestApp;
let api: ApiClient;
useTestApp((started) => ({ app, api } = started));

const statuses = ['subscribed', 'unsubscribed', 'autoDeleted'] as const;
const emails = Array.from({ length: 50 }, (_, i) => `race${String(i).padStart(2, '0')}@x.com`);
// Each email always comes with its own phone number: deletes and re-adds keep freeing and taking it.
const phoneOf = (email: string) => `010-4000-${email.slice(4, 6).padStart(4, '0')}`;

/** A deterministic pseudo-random subset, so a failure can be replayed. */
function pick(seed: number, size: number): string[] {
  let x = seed * 2654435761 + 1;
  const shuffled = [...emails];
  for (let i = shuffled.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return shuffled.slice(0, size);
}

/** Every page of a filter, with a small page size so that offset paging itself is exercised. */
async function walk(listId: number, query: string): Promise<Subscriber[]> {
  const out: Subscriber[] = [];
  for (let offset = 0; ; offset += 7) {
    const qs = new URLSearchParams(query.replace(/status=(subscribed|unsubscribed|autoDeleted)/, (_, w: string) => `status=${w === 'subscribed' ? 'S' : w === 'unsubscribed' ? 'D' : 'A'}`));
    qs.set('limit', '7');
    qs.set('offset', String(offset));
    const res: ApiResponse<V1Row[]> = await api.get(`/v1/lists/${listId}/subscribers?${qs}`);
    expect(res.status, res.text).toBe(200);
    out.push(...res.body.Value.map(asSubscriber));
    if (res.body.Value.length < 7) break;
  }
  const seen = out.map((s) => s.email);
  expect(new Set(seen).size, `duplicates in ${query || 'all'}`).toBe(seen.length);
  return out;
}

/** Checks the counts endpoint against a recount of the pages; returns the subscribers present. */
async function verify(listId: number, groupIds: number[], universe: readonly string[]): Promise<Map<string, Subscriber>> {
  const everyone = new Map((await walk(listId, '')).map((s) => [s.email, s]));
  const recount = { subscribed: 0, unsubscribed: 0, autoDeleted: 0 };
  const byStatus = new Map<string, string>();
  for (const status of statuses) {
    const page = await walk(listId, `status=${status}`);
    recount[status] = page.length;
    for (const s of page) {
      expect(s.status).toBe(status);
      expect(byStatus.has(s.email), `${s.email} under two statuses`).toBe(false);
      byStatus.set(s.email, status);
    }
  }
  expect(await counts(api, listId)).toEqual({ ...recount, total: everyone.size });
  expect(recount.subscribed + recount.unsubscribed + recount.autoDeleted).toBe(everyone.size);
  for (const s of everyone.values()) {
    expect(universe).toContain(s.email);
    expect(byStatus.get(s.email)).toBe(s.status);
  }
  for (const g of groupIds) {
    const members = (await walk(listId, `groupId=${g}`)).map((s) => s.email).sort();
    const expected = [...everyone.values()].filter((s) => s.groupIds.includes(g)).map((s) => s.email).sort();
    expect(members, `group ${g}`).toEqual(expected);
  }
  // L3: a phone number belongs to one subscriber at most.
  const phones = [...everyone.values()].map((s) => s.phone).filter((p) => typeof p === 'string' && p !== '');
  expect(new Set(phones).size).toBe(phones.length);
  return everyone;
}

describe('concurrency', () => {
  it('L8/R2: after rounds of ~30 parallel overlapping writes, the counts equal a recount of the pages', { timeout: 120_000 }, async () => {
    const listId = await createList(api, 'race');
    const groups = [await createGroup(api, listId, 'A'), await createGroup(api, listId, 'B')];
    const asSubscribers = (list: string[], round: number) => list.map((email) => ({ email, name: `r${round}`, phone: phoneOf(email) }));

    for (let round = 0; round < 3; round++) {
      const requests: Promise<ApiResponse<unknown>>[] = [];
      for (let i = 0; i < 32; i++) {
        const seed = round * 100 + i;
        const some = pick(seed, 10 + (seed % 25));
        const group = groups[seed % 2]!;
        switch (i % 8) {
          case 0:
          case 1:
            requests.push(subscribe(api, listId, { eventOccurredBy: 'MANUAL', groupIds: [group], subscribers: asSubscribers(some, round) }));
            break;
          case 2:
          case 3:
            requests.push(subscribe(api, listId, { eventOccurredBy: 'SUBSCRIBER', subscribers: asSubscribers(some, round) }));
            break;
          case 4:
            requests.push(api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, some));
            break;
          case 5:
            requests.push(api.del(`/v1/lists/${listId}/subscribers`, some.slice(0, 12)));
            break;
          case 6:
            requests.push(api.post(`/v1/lists/${listId}/groups/${group}/subscribers/assign`, some));
            break;
          default:
            requests.push(api.post(`/v1/lists/${listId}/groups/${group}/subscribers/release`, some));
        }
      }
      const responses = await Promise.all(requests);
      for (const r of responses) {
        // A lone SUBSCRIBER row of an already-subscribed email is the documented error; never a 5xx.
        expect(r.status, r.text).toBe(200);
        if (!r.body.Ok) expect(r.body.Error?.Code, r.text).toBe('LIST_ALREADY_SUBSCRIBED');
      }
      await verify(listId, groups, emails);
    }

    // Nothing leaked under the races: deleting everyone empties the list, and every phone is free again.
    const present = [...(await verify(listId, groups, emails)).keys()];
    const purge = await api.del<{ success: string[]; fail: string[] }>(`/v1/lists/${listId}/subscribers`, emails);
    expect(purge.body.Value.success.sort()).toEqual(present.sort());
    expect(await counts(api, listId)).toEqual({ subscribed: 0, unsubscribed: 0, autoDeleted: 0, total: 0 });
    const fresh = emails.map((email, i) => ({ email: `fresh${i}@x.com`, phone: phoneOf(email) }));
    const readd = await subscribe(api, listId, { subscribers: fresh });
    expect(readd.body.Value.success).toHaveLength(50);
    expect(readd.body.Value.failExistPhone).toEqual([]);
    const after = await verify(listId, groups, fresh.map((f) => f.email));
    expect(after.size).toBe(50);
  });

  it('L8/R2: the same email written by many parallel requests ends as one subscriber, counted once', async () => {
    const listId = await createList(api, 'one email');
    const email = 'same@x.com';
    for (let round = 0; round < 3; round++) {
      const responses = await Promise.all(
        Array.from({ length: 24 }, (_, i) => {
          switch (i % 4) {
            case 0:
              return subscribe(api, listId, { eventOccurredBy: 'MANUAL', subscribers: [{ email, name: `m${i}`, phone: '010-9999-0000' }] });
            case 1:
              return subscribe(api, listId, { eventOccurredBy: 'SUBSCRIBER', subscribers: [{ email: ` ${email.toUpperCase()} `, phone: '010-9999-0000' }] });
            case 2:
              return api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, [email]);
            default:
              return api.del(`/v1/lists/${listId}/subscribers`, [email]);
          }
        }),
      );
      for (const r of responses) expect(r.status, r.text).toBe(200);
      const everyone = await verify(listId, [], [email]);
      expect(everyone.size).toBeLessThanOrEqual(1);
    }
  });

  it('R2: a write based on a read from before a delete and re-add is refused and redone (no ABA on versions)', async () => {
    const listId = await createList(api, 'aba');
    const g = await createGroup(api, listId, 'G');
    const email = 'aba@x.com';
    await subscribe(api, listId, { eventOccurredBy: 'MANUAL', groupIds: [g], subscribers: [{ email, name: 'first' }] });
    const real = app.runtime.deps;
    let interleaved = false;
    // Between this writer's read and its write, the subscriber is deleted and added again without the group.
    const db = {
      send: async (command: { constructor: { name: string } }) => {
        if (!interleaved && command.constructor.name === 'TransactWriteCommand') {
          interleaved = true;
          await api.del(`/v1/lists/${listId}/subscribers`, [email]);
          await subscribe(api, listId, { eventOccurredBy: 'MANUAL', subscribers: [{ email, name: 'again' }] });
        }
        return real.db.send(command as never);
      },
    } as unknown as typeof real.db;
    await applyMutations({ ...real, db }, { listId, gen: 1 }, [email], ({ current }) =>
      current
        ? { kind: 'put', next: { ...current, fields: { ...current.fields, name: 'late' }, updatedAt: new Date().toISOString(), version: current.version + 1 }, result: true }
        : { kind: 'none', result: false },
    );
    expect(interleaved).toBe(true);
    const everyone = await verify(listId, [g], [email]);
    // The late write was redone on the re-added subscriber: its name, and no group it never had.
    expect(everyone.get(email)).toMatchObject({ name: 'late', groupIds: [] });
  });
});
