/**
 * Issue 15: a regular email's send survives kill -9. `npm start` as a child process is killed
 * (CRASH_AT, shared/faults/crash-at.ts) on the 60th mail of a 150-recipient send, then again
 * right after the restarted runtime's first recorded page; restarted on the same data dir, the
 * send finishes: every recipient gets the email exactly once, the email is sent (3) and its
 * figures equal the outbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailsPerRecipient, startChildRuntime, until, type ChildRuntime } from './support/child-runtime';
import { createList } from './support/lists';
import { verifiedSender } from './support/senders';

let rt: ChildRuntime;
beforeAll(async () => {
  rt = await startChildRuntime({ env: { CRASH_AT: 'email:mailed:60' } });
}, 240_000);
afterAll(() => rt?.close());

const perRecipient = (subject: string) => mailsPerRecipient(rt, subject);

describe('issue 15: kill -9 of the runtime while a regular email is sent', () => {
  it('killed on the 60th mail of 150 and again after the restart\'s first recorded page: each of the 150 gets it once', async () => {
    const listId = await createList(rt.api, 'regular crash');
    await verifiedSender(rt.api, listId, 'news@example.com');
    const emails = Array.from({ length: 150 }, (_, i) => `r${i}@example.com`);
    const added = await rt.api.post<{ success: unknown[] }>(`/v1/lists/${listId}/subscribers`, { eventOccurredBy: 'MANUAL', confirmEmailYN: 'N', subscribers: emails.map((email) => ({ email })) });
    expect(added.body.Ok, added.text).toBe(true);
    const created = await rt.api.post<{ id: number }>('/v2/emails', { subject: 'Killed regular send', senderEmail: 'news@example.com', senderName: 'News', listId });
    expect(created.status, created.text).toBe(200);
    const id = created.json.id;
    const content = await rt.api.request('POST', `/v2/emails/${id}/content`, '<p>Hello</p>', { 'Content-Type': 'text/html' });
    expect(content.status, content.text).toBe(200);
    const sent = await rt.api.post(`/v2/emails/${id}/send`);
    expect(sent.status, sent.text).toBe(200);

    const exit = await rt.exited;
    expect(exit.crashPoint, rt.output()).toBe('email:mailed');
    const before = (await perRecipient('Killed regular send')).size;
    expect(before).toBeGreaterThanOrEqual(59);
    expect(before).toBeLessThan(150);

    await rt.restart({ env: { CRASH_AT: 'email:recorded:1' } });
    const second = await rt.exited;
    expect(second.crashPoint, rt.output()).toBe('email:recorded');
    await rt.restart();

    let last: { status?: number; sendProgress?: Record<string, number> } | undefined;
    await until(
      async () => {
        const res = await rt.api.get<{ status: number; sendProgress?: Record<string, number> }>(`/v2/emails/${id}`);
        if (res.status === 200) last = res.json;
        return last?.status === 3;
      },
      `the email is sent (now ${JSON.stringify(last)})`,
      300_000,
      1_000,
    );
    const counts = await perRecipient('Killed regular send');
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(new Set(counts.keys())).toEqual(new Set(emails));
    expect(last!.sendProgress).toMatchObject({ sent: 150, failed: 0, sending: 0, queued: 150 });
  }, 600_000);
});
