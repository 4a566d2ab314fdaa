/**
 * Issue 12, points 1-3, as an operator's worst day goes: `npm start` as a child process, killed
 * with SIGKILL at chosen points of a send and of queueing (CRASH_AT, shared/faults/crash-at.ts),
 * restarted on the same data dir. After each: every committed send mailed exactly once (counted
 * per recipient in the outbox), no `.part` left, and the dashboard's figures equal the outbox and
 * the queue (docs/automations.md "After a crash").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mailsPerRecipient, startChildRuntime, until, type ChildRuntime } from './support/child-runtime';
import type { ApiClient } from './support/app';
import { createList } from './support/lists';
import { verifiedSender } from './support/senders';

let rt: ChildRuntime;
beforeAll(async () => {
  rt = await startChildRuntime({ env: { CRASH_AT: 'send:mailed:120' } });
}, 240_000);
afterAll(() => rt?.close());

/** The child keeps the 10 requests/s limit: ask slowly, and take a 429 as "not yet". */
async function figures(api: ApiClient, id: number) {
  const res = await api.get<Record<string, number>>(`/v2/automations/${id}/dashboard`);
  return res.status === 200 ? res.json : undefined;
}

const perRecipient = (subject: string) => mailsPerRecipient(rt, subject);

async function createStarted(api: ApiClient, listId: number, extra: Record<string, unknown>) {
  // Issue 13: automated emails start only from a verified sender of their list (the link lands in the child's outbox).
  await verifiedSender(api, listId, 'news@example.com');
  const created = await api.post<{ automationId: number }>('/v2/automations', {
    listId,
    name: 'crash',
    senderName: 'News',
    senderEmail: 'news@example.com',
    html: '<p>Hello</p>',
    triggers: [{ type: 'subscriberAdded' }],
    ...extra,
  });
  expect(created.status, created.text).toBeLessThan(300);
  expect(created.json.automationId, created.text).toEqual(expect.any(Number));
  const id = created.json.automationId;
  const startedRes = await api.post<{ state: string }>(`/v2/automations/${id}/start`);
  expect(startedRes.status, startedRes.text).toBe(200);
  expect(startedRes.error).toBeUndefined();
  return id;
}

async function subscribeAll(api: ApiClient, listId: number, emails: string[]) {
  const res = await api.post<Record<string, unknown[]>>(`/v1/lists/${listId}/subscribers`, {
    eventOccurredBy: 'SUBSCRIBER',
    confirmEmailYN: 'N',
    subscribers: emails.map((email) => ({ email })),
  });
  expect(res.body.Ok, res.text).toBe(true);
  expect(res.body.Value.success).toHaveLength(emails.length);
}

/** Waits until every send is finished, then checks the assertions. */
async function expectAllMailedOnce(id: number, subject: string, emails: string[]) {
  let last: Record<string, number> | undefined;
  await until(
    async () => {
      last = await figures(rt.api, id);
      return last?.sent === emails.length && last.sending === 0 && last.queued === 0;
    },
    `all ${emails.length} sent (figures now ${JSON.stringify(last)})`,
    300_000,
    1_000,
  );
  const counts = await perRecipient(subject);
  expect(counts.size).toBe(emails.length);
  expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  expect(new Set(counts.keys())).toEqual(new Set(emails));
  // Figures equal the outbox and the queue.
  const f = (await figures(rt.api, id))!;
  const q = await rt.api.get<{ total: number; items: unknown[] }>(`/v2/automations/${id}/queue`);
  expect(q.status, q.text).toBe(200);
  expect(f).toMatchObject({ sent: counts.size, queued: 0, sending: 0, failed: 0 });
  expect(q.json.total).toBe(0);
  expect(q.json.items).toEqual([]);
  const outbox = join(rt.dataDir, 'outbox');
  expect(existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.part')) : []).toEqual([]);
}

describe('issue 12: kill -9 of the runtime while it sends and while it queues', () => {
  it('issue 12 point 1: killed on the 120th mail of 200, then again while the restarted runtime records what the first left, each of the 200 gets the email once', async () => {
    const listId = await createList(rt.api, 'crash while sending');
    const id = await createStarted(rt.api, listId, { subject: 'Killed mid-send' });
    const emails = Array.from({ length: 200 }, (_, i) => `mid${i}@example.com`);
    await subscribeAll(rt.api, listId, emails);
    const exit = await rt.exited;
    expect(exit.crashPoint, rt.output()).toBe('send:mailed');
    const mailedBefore = (await perRecipient('Killed mid-send')).size;
    expect(mailedBefore).toBeGreaterThanOrEqual(119);
    expect(mailedBefore).toBeLessThan(200);

    // The restart resumes the sends; it is killed too, right after its first recorded chunk.
    await rt.restart({ env: { CRASH_AT: 'send:recorded:1' } });
    const second = await rt.exited;
    expect(second.crashPoint, rt.output()).toBe('send:recorded');
    await rt.restart();
    await expectAllMailedOnce(id, 'Killed mid-send', emails);
  }, 600_000);

  it('issue 12 points 2 and 3: killed after the third queueing transaction of 300 delayed sends; restarted, all 300 go out once when due', async () => {
    await rt.restart({ env: { CRASH_AT: 'queue:committed:3' } });
    const listId = await createList(rt.api, 'crash while queueing');
    const id = await createStarted(rt.api, listId, { subject: 'Killed mid-queue', delay: { value: 1, unit: 'minutes' } });
    const emails = Array.from({ length: 300 }, (_, i) => `queued${i}@example.com`);
    await subscribeAll(rt.api, listId, emails);
    const exit = await rt.exited;
    expect(exit.crashPoint, rt.output()).toBe('queue:committed');
    await rt.restart();
    await expectAllMailedOnce(id, 'Killed mid-queue', emails);
  }, 600_000);
});
