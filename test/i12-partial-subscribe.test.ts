/**
 * Issue 12, point 8: what holds when a large subscribe request fails while writing (docs/api.md,
 * "Requests that fail while writing"). A 2,000-row request cannot be one DynamoDB transaction;
 * a failure injected midway must leave whole rows only (each with its phone guard, its shard's
 * count and its events), nothing written after the error is answered, and repeating the request
 * must converge to the full result with no duplicate webhook event or automated-email trigger.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type ApiClient, type TestApp } from './support/app';
import { createList, snapshot, subscribe } from './support/lists';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';
import { dashboard, started, waitFor } from './support/automations';
import { armFault, disarmFaults } from '#shared/runtime/faults';
import { logger } from '#shared/logger';

let app: TestApp;
let api: ApiClient;
let receiver: WebhookReceiver;
let receiverUrl: string;
type Payload = { action: string; eventId: string; subscribers: Array<{ email: string }> };
/** Every delivery's body, in the order they arrived. */
const payloads = (): Payload[] => receiver.received.map((r) => JSON.parse(r.body) as Payload);

beforeAll(async () => {
  app = await startTestApp({ webhookWorker: { retryBaseMs: 100, intervalMs: 50 }, schedulerIntervalMs: 50 });
  ({ api } = await app.newWorkspace());
  receiver = await startWebhookReceiver();
  receiverUrl = receiver.url;
}, 120_000);
afterAll(async () => {
  disarmFaults();
  await app?.close();
  await receiver?.close();
});
afterEach(() => {
  disarmFaults();
  vi.restoreAllMocks();
});

const subscribedEmails = () => payloads().filter((p) => p.action === 'SUBSCRIBED').flatMap((p) => p.subscribers.map((s) => s.email));

describe('issue 12: a subscribe request that fails midway', () => {
  it('leaves whole rows only, writes nothing after its error answer, and converges when repeated, with no duplicate event', async () => {
    const listId = await createList(api, 'partial');
    const hook = await api.post<{ webhookId: string }>(`/v2/lists/${listId}/webhooks`, { name: 'all', url: `${receiverUrl}/partial`, events: ['SUBSCRIBED', 'UPDATED', 'RESUBSCRIBED'] });
    expect(hook.status, hook.text).toBeLessThan(300);
    expect(hook.json, hook.text).toMatchObject({ webhookId: expect.any(String) });
    // Queued a day out, so each trigger is counted (queued) without 2,000 mails being sent.
    const welcome = await started(api, listId, { triggers: [{ type: 'subscriberAdded', includeAdminAdded: true }], delay: { value: 1, unit: 'days' } });
    const rows = Array.from({ length: 2000 }, (_, i) => ({ email: `row-${i}@partial.example`, name: `이름 ${i}`, phone: `010-${String(1000 + Math.floor(i / 10)).padStart(4, '0')}-${String(1000 + i).padStart(4, '0')}` }));
    const request = { eventOccurredBy: 'MANUAL', confirmEmailYN: 'N', subscribers: rows };

    // The 13th subscriber transaction of this list fails as a database error would.
    armFault('subscribers:transaction', { after: 12, times: 1, when: (c) => c.listId === listId });
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const failed = await subscribe(api, listId, request);
    expect(failed.status).toBe(500);
    expect(failed.body.Error?.Code).toBe('INTERNAL_ERROR');

    // Whole rows only: every stored subscriber is exactly its row, and the counts match them.
    const after = await snapshot(api, listId);
    const committed = after.subscribers.map((s) => s.email);
    expect(committed.length).toBeGreaterThan(0);
    expect(committed.length).toBeLessThan(2000);
    expect(after.counts).toMatchObject({ subscribed: committed.length, total: committed.length });
    const byEmail = new Map(rows.map((r) => [r.email, r]));
    for (const s of after.subscribers) expect(s).toMatchObject({ status: 'subscribed', name: byEmail.get(s.email)!.name, phone: byEmail.get(s.email)!.phone });
    // Nothing is written after the error answer.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await snapshot(api, listId)).toEqual(after);
    // The committed rows' events are delivered (the batch is sealed on failure), each once, and each row triggered once.
    expect((await waitFor(subscribedEmails, (e) => e.length >= committed.length, 60_000)).sort()).toEqual([...committed].sort());
    expect((await waitFor(() => dashboard(api, welcome.automationId), (d) => (d.queued ?? 0) >= committed.length, 60_000)).queued).toBe(committed.length);

    // Repeating the request is safe: the committed rows are found present, the others added.
    const repeated = await subscribe(api, listId, request);
    expect(repeated.body.Ok, repeated.text).toBe(true);
    expect(repeated.body.Value.update.map((r) => r.email).sort()).toEqual([...committed].sort());
    expect(repeated.body.Value.success).toHaveLength(2000 - committed.length);
    const final = await snapshot(api, listId);
    expect(final.counts).toMatchObject({ subscribed: 2000, total: 2000 });
    expect(final.subscribers.map((s) => s.email).sort()).toEqual(rows.map((r) => r.email).sort());

    // Every subscriber reached the webhook as SUBSCRIBED once, and the automated email once.
    const all = await waitFor(subscribedEmails, (e) => e.length >= 2000, 60_000);
    expect(all).toHaveLength(2000);
    expect(new Set(all).size).toBe(2000);
    expect((await waitFor(() => dashboard(api, welcome.automationId), (d) => (d.queued ?? 0) >= 2000, 60_000)).queued).toBe(2000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(subscribedEmails()).toHaveLength(2000);
    expect(payloads().filter((p) => p.action !== 'SUBSCRIBED')).toEqual([]);
    expect(new Set(payloads().map((p) => p.eventId)).size).toBe(payloads().length);
    expect((await dashboard(api, welcome.automationId)).queued).toBe(2000);
    // A committed row's phone guard was committed with it.
    const taken = await subscribe(api, listId, { eventOccurredBy: 'MANUAL', subscribers: [{ email: 'new@partial.example', phone: byEmail.get(committed[0]!)!.phone }] });
    expect(taken.body.Value.failExistPhone).toHaveLength(1);
  }, 300_000);
});
