/**
 * Issues 13 and 16: what a v2 batch add (reference/stibee-api-v2_openapi.yml, batchAddSubscribers)
 * reads and writes. Without `updateEnabled` a stored subscriber is left as it is, so the batch's
 * creates go out without reading the subscribers first (docs/data-model.md, "Creates without a
 * read first"); a stored one cancels its transaction and is read on the retry. Every guarantee of
 * the read-first path holds: stored rows land in failAlreadyExists untouched, counts and the
 * status index stay exact (SPEC L8), and a size refusal is decided on what is stored.
 */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { countOf, createList } from './support/lists';
import { keys, pad, SUBSCRIBER_SHARDS } from '#shared/table/keys';

let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s));

type Batch = Record<string, string[]>;
const text = (v: unknown): string => (typeof v === 'string' ? v : v && typeof v === 'object' && 'S' in v ? String((v as { S: unknown }).S) : '');

/**
 * Runs `work` while counting, for one list, the subscriber keys BatchGetItem reads and the
 * TransactWriteItems calls DynamoDB cancels (the background workers' calls are of other keys).
 */
async function watched<T>(listId: number, work: () => Promise<T>) {
  const partition = `SUB#${pad(listId)}#`;
  const seen = { subscriberKeysRead: 0, counterKeysRead: 0, transactions: 0, cancelled: 0 };
  const name = `watch-${listId}-${Math.random()}`;
  const { db } = app.runtime.deps;
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, { Keys?: Array<Record<string, unknown>> }>; TransactItems?: Array<Record<string, { Item?: Record<string, unknown>; Key?: Record<string, unknown> }>> };
      const command = String(context.commandName);
      const ours = (k: Record<string, unknown> | undefined) => text(k?.PK).startsWith(partition);
      if (command.startsWith('BatchGet')) {
        for (const k of Object.values(input.RequestItems ?? {}).flatMap((r) => r.Keys ?? [])) {
          if (!ours(k)) continue;
          if (text(k.SK).startsWith('S#')) seen.subscriberKeysRead++;
          if (text(k.SK) === '#COUNT') seen.counterKeysRead++;
        }
      }
      const isOurTransaction = command.startsWith('TransactWrite') && (input.TransactItems ?? []).some((t) => Object.values(t).some((op) => ours(op?.Item ?? op?.Key)));
      if (isOurTransaction) seen.transactions++;
      try {
        return await next(args);
      } catch (error) {
        if (isOurTransaction && (error as Error).name === 'TransactionCanceledException') seen.cancelled++;
        throw error;
      }
    },
    { step: 'initialize', name },
  );
  try {
    return { value: await work(), seen };
  } finally {
    db.middlewareStack.remove(name);
  }
}

const rows = (emails: string[], name: string) => emails.map((email) => ({ email, status: 'subscribed', fields: { name } }));
const total = async (listId: number) => (await api.get<{ total: number }>(`/v2/lists/${listId}/subscribers/count`)).json.total;
const listed = async (listId: number) => (await api.get<Array<{ email: string; fields: Record<string, string> }>>(`/v2/lists/${listId}/subscribers?limit=1000`)).json;

describe('v2 batch add without updateEnabled: creates without reading the subscribers first (issues 13, 16)', () => {
  it('a batch of new subscribers reads only the shard counters, and every row is counted and listed', async () => {
    const listId = await createList(api, 'fresh', [{ tag: 'name', label: '이름' }]);
    const emails = Array.from({ length: 40 }, (_, i) => `fresh${i}@example.com`);
    const { value: res, seen } = await watched(listId, () => api.post<Batch>(`/v2/lists/${listId}/subscribers/batch`, { subscribers: rows(emails, '새') }));
    expect(res.status, res.text).toBe(200);
    expect(res.json.createdSubscribers?.sort()).toEqual([...emails].sort());
    expect(seen.subscriberKeysRead).toBe(0);
    expect(seen.counterKeysRead).toBeLessThanOrEqual(SUBSCRIBER_SHARDS);
    expect(seen.cancelled).toBe(0);
    expect(await total(listId)).toBe(40);
    expect(await countOf(api, listId, 'status=S')).toBe(40);
    expect((await listed(listId)).map((s) => s.email).sort()).toEqual([...emails].sort());
  });

  it('stored subscribers land in failAlreadyExists untouched; a batch sent again costs at most one cancelled transaction a shard', async () => {
    const listId = await createList(api, 'again', [{ tag: 'name', label: '이름' }]);
    // More than one transaction a shard (at most 100 items each): 850 rows over 8 shards.
    const stored = Array.from({ length: 850 }, (_, i) => `stored${i}@example.com`);
    const first = await api.post<Batch>(`/v2/lists/${listId}/subscribers/batch`, { subscribers: rows(stored, '처음') });
    expect(first.json.createdSubscribers).toHaveLength(850);
    const added = ['late0@example.com', 'late1@example.com'];
    const { value: again, seen } = await watched(listId, () => api.post<Batch>(`/v2/lists/${listId}/subscribers/batch`, { subscribers: rows([...stored, ...added], '다시') }));
    expect(again.status, again.text).toBe(200);
    expect(again.json.failAlreadyExists?.sort()).toEqual([...stored].sort());
    expect(again.json.createdSubscribers?.sort()).toEqual(added);
    expect(again.json.updatedSubscribers).toEqual([]);
    // The first transaction of each shard is cancelled by the stored rows; the others wait for the read.
    expect(seen.cancelled).toBeGreaterThan(0);
    expect(seen.cancelled).toBeLessThanOrEqual(SUBSCRIBER_SHARDS);
    expect(await total(listId)).toBe(852);
    expect(await countOf(api, listId, 'status=S')).toBe(852);
    const page = await listed(listId);
    expect(page).toHaveLength(852);
    expect(new Set(page.filter((s) => stored.includes(s.email)).map((s) => s.fields.name))).toEqual(new Set(['처음']));
    // The v1 look-up's status index agrees with the counters: the last rows are there, none twice.
    const v1 = await api.get<Array<{ email: string }>>(`/v1/lists/${listId}/subscribers?offset=800&limit=1000`);
    expect(v1.body.Value).toHaveLength(52);
  });

  it('a row too large to create is refused only when it is not stored: a stored one is left alone, as when reading first', async () => {
    const tags = Array.from({ length: 44 }, (_, i) => ({ tag: `f${i + 1}`, label: `필드 ${i + 1}` }));
    const listId = await createList(api, 'wide', tags);
    const storedEmail = 'wide-stored@example.com';
    const small = await api.post(`/v2/lists/${listId}/subscribers`, { subscriber: { email: storedEmail, status: 'subscribed', fields: { f1: '작음' } } });
    expect(small.status, small.text).toBe(200);
    // A body just under the 256 KB cap whose subscriber, as a new record, is just over the 256 KB bound.
    const bigFields = (email: string) => {
      const fields: Record<string, string> = {};
      for (let i = 1; i <= 43; i++) fields[`f${i}`] = '가'.repeat(2000);
      const room = 256 * 1024 - 16 - Buffer.byteLength(JSON.stringify({ subscribers: [{ email, status: 'subscribed', fields: { ...fields, f44: '' } }] }));
      fields.f44 = '가'.repeat(Math.floor(room / 3)) + 'a'.repeat(room % 3);
      const body = { subscribers: [{ email, status: 'subscribed', fields }] };
      expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThanOrEqual(256 * 1024);
      return body;
    };
    const refused = await api.post(`/v2/lists/${listId}/subscribers/batch`, bigFields('wide-new@example.com'));
    expect(refused.status, refused.text).toBe(413);
    expect(await total(listId)).toBe(1);
    const left = await api.post<Batch>(`/v2/lists/${listId}/subscribers/batch`, bigFields(storedEmail));
    expect(left.status, left.text).toBe(200);
    expect(left.json.failAlreadyExists).toEqual([storedEmail]);
    expect(await total(listId)).toBe(1);
    expect((await listed(listId))[0]!.fields.f1).toBe('작음');
  });

  it('with updateEnabled the batch reads first (a stored row is updated, its merged size decided before any write)', async () => {
    const listId = await createList(api, 'update', [{ tag: 'name', label: '이름' }]);
    const emails = ['u0@example.com', 'u1@example.com', 'u2@example.com'];
    await api.post(`/v2/lists/${listId}/subscribers/batch`, { subscribers: rows(emails.slice(0, 2), '전') });
    const { value: res, seen } = await watched(listId, () => api.post<Batch>(`/v2/lists/${listId}/subscribers/batch`, { subscribers: rows(emails, '후'), updateEnabled: true }));
    expect(res.json.updatedSubscribers?.sort()).toEqual(emails.slice(0, 2));
    expect(res.json.createdSubscribers).toEqual(['u2@example.com']);
    expect(seen.subscriberKeysRead).toBe(3);
    expect(seen.cancelled).toBe(0);
    expect(new Set((await listed(listId)).map((s) => s.fields.name))).toEqual(new Set(['후']));
    expect(keys.subscriber(listId, 1, 'u0@example.com').PK).toMatch(/^SUB#/);
  });
});
