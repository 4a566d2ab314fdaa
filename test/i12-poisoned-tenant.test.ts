/**
 * Issue 12, point 6: one tenant's oversized or failing work stops no other tenant. A poisoned
 * workspace and a healthy one share the local runtime (one events worker, one dispatcher), both
 * driven through HTTP. The oversized work is split (webhook payloads, outbox events) or refused
 * at the request with a clear error (values that would outgrow an item); work that keeps
 * failing is retried, then parked as a dead letter shown by the webhook's delivery log and the
 * automated email's dashboard. The healthy tenant's webhooks and emails go out meanwhile.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type ApiClient, type TestApp } from './support/app';
import { createList, snapshot, subscribe } from './support/lists';
import { dashboard, queue, recipients, started, waitFor } from './support/automations';
import { armFault, disarmFaults } from '#shared/runtime/faults';
import { ITEM_LIMIT_BYTES, SUBSCRIBER_MAX_BYTES, jsonBytes } from '#shared/db/item-size';
import { sixshopFields } from '#shared/integrations/adapters/sixshop';
import { donusFields } from '#shared/integrations/adapters/donus';
import { logger } from '#shared/logger';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

let app: TestApp;
let healthy: { api: ApiClient; workspaceId: string };
let poisoned: { api: ApiClient; workspaceId: string };
let receiver: WebhookReceiver;
let receiverUrl: string;
/** Requests to `/hang`, left unanswered until the test lets them go. */
const hung: Array<() => void> = [];
const releaseHung = () => hung.splice(0).forEach((answer) => answer());

beforeAll(async () => {
  // A two-minute receiver timeout: a receiver that hangs holds its attempt that long.
  app = await startTestApp({ webhookWorker: { retryBaseMs: 100, intervalMs: 50, maxAttempts: 3, timeoutMs: 120_000 }, schedulerIntervalMs: 50 });
  healthy = await app.newWorkspace();
  poisoned = await app.newWorkspace();
  receiver = await startWebhookReceiver({
    respond: (request) =>
      request.path === '/hang' ? new Promise((answer) => hung.push(() => answer({ status: 200, body: 'ok' }))) : { status: 200, body: 'ok' },
  });
  receiverUrl = receiver.url;
}, 120_000);
afterAll(async () => {
  disarmFaults();
  releaseHung();
  await app?.close();
  await receiver?.close();
});
afterEach(() => {
  disarmFaults();
  vi.restoreAllMocks();
});

type Payload = { action: string; eventId: string; subscribers: Array<Record<string, unknown>>; part?: number; parts?: number };
const payloadsAt = (path: string): Payload[] => receiver.received.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as Payload);
const emailsIn = (payloads: Payload[], action: string) => payloads.filter((p) => p.action === action).flatMap((p) => p.subscribers.map((s) => String(s.email)));

async function hook(api: ApiClient, listId: number, path: string, events: string[]) {
  const res = await api.post<{ webhookId: string }>(`/v2/lists/${listId}/webhooks`, { name: path, url: `${receiverUrl}${path}`, events });
  expect(res.status, res.text).toBeLessThan(300);
  expect(res.json.webhookId, res.text).toEqual(expect.any(String));
  return res.json.webhookId;
}

/** What the healthy tenant does while the other one is poisoned: each must arrive, with a generous deadline. */
async function healthyTenantWorks(tag: string) {
  const listId = await createList(healthy.api, `healthy-${tag}`);
  await hook(healthy.api, listId, `/healthy-${tag}`, ['SUBSCRIBED']);
  const welcome = await started(healthy.api, listId, { name: `welcome-${tag}`, subject: `Welcome ${tag}`, triggers: [{ type: 'subscriberAdded' }] });
  const byApi = await started(healthy.api, listId, { name: `code-${tag}`, subject: `Code ${tag} $%code%$`, triggers: [{ type: 'api' }] });
  const email = `fine-${tag}@healthy.example`;
  const res = await subscribe(healthy.api, listId, { eventOccurredBy: 'SUBSCRIBER', confirmEmailYN: 'N', subscribers: [{ email, name: 'fine' }] });
  expect(res.body.Ok, res.text).toBe(true);
  expect((await healthy.api.post(byApi.apiEndpoint!, { subscriber: email, code: '1234' })).status).toBe(200);
  const delivered = await waitFor(() => emailsIn(payloadsAt(`/healthy-${tag}`), 'SUBSCRIBED'), (e) => e.length > 0, 60_000);
  expect(delivered).toEqual([email]);
  const mailed = await waitFor(() => recipients(app, tag), (r) => r.length >= 2, 60_000);
  expect(mailed.sort()).toEqual([email, email]);
  expect((await dashboard(healthy.api, welcome.automationId)).sent).toBe(1);
  expect((await dashboard(healthy.api, byApi.automationId)).sent).toBe(1);
}

describe('issue 12: one tenant\'s bad item stops no other tenant', () => {
  it('a 2,800-row update merged past 400 KB is delivered split into parts; values that would outgrow an item are refused at the request; the healthy tenant is served meanwhile', async () => {
    const { api } = poisoned;
    // --- A 2,800-row MANUAL update (a request under 256 KB) on a list with a webhook.
    const bulk = await createList(api, 'bulk', [
      { tag: 'name', label: '이름' },
      { tag: 'note', label: '메모' },
    ]);
    await hook(api, bulk, '/bulk', ['UPDATED']);
    const emails = Array.from({ length: 2800 }, (_, i) => `member-${String(i).padStart(4, '0')}@poisoned.example`);
    const note = 'n'.repeat(70);
    for (const part of [emails.slice(0, 1400), emails.slice(1400)]) {
      const res = await subscribe(api, bulk, { eventOccurredBy: 'MANUAL', subscribers: part.map((email) => ({ email, name: 'old', note })) });
      expect(res.body.Ok, res.text).toBe(true);
    }
    const update = { eventOccurredBy: 'MANUAL', subscribers: emails.map((email) => ({ email, name: 'renamed' })) };
    expect(jsonBytes(update)).toBeLessThan(256 * 1024);
    const updated = await subscribe(api, bulk, update);
    expect(updated.body.Ok, updated.text).toBe(true);
    expect(updated.body.Value.update).toHaveLength(2800);

    // --- A subscriber grown to the bound, on a list with a webhook and a running API-triggered email.
    const wide = await createList(api, 'wide', Array.from({ length: 45 }, (_, i) => ({ tag: `f${i + 1}`, label: `필드 ${i + 1}` })));
    const wideHook = await hook(api, wide, '/wide', ['SUBSCRIBED', 'UPDATED']);
    const byApi = await started(api, wide, { name: 'poisoned-api', subject: 'Poisoned', html: '<p>$%code%$</p>', triggers: [{ type: 'api' }] });
    const big = 'big@poisoned.example';
    const korean = (char: string, fields: number[]) => Object.fromEntries(fields.map((i) => [`f${i}`, char.repeat(2000)]));
    const forty = Array.from({ length: 40 }, (_, i) => i + 1);
    // 40 fields of 2,000 Korean characters: 240,000 bytes, within the bound.
    expect((await subscribe(api, wide, { eventOccurredBy: 'MANUAL', subscribers: [{ email: big, ...korean('가', forty) }] })).body.Ok).toBe(true);
    // Its update carries the 240 KB subscriber as the change and again as the facts: one outbox item could not hold both.
    const rewritten = await subscribe(api, wide, { eventOccurredBy: 'MANUAL', subscribers: [{ email: big, ...korean('나', forty) }] });
    expect(rewritten.body.Ok, rewritten.text).toBe(true);
    expect(rewritten.body.Value.update).toEqual([expect.objectContaining({ email: big })]);
    // Five more fields would take it past 256 KB: refused, nothing written.
    const before = await snapshot(api, wide);
    const grown = await subscribe(api, wide, { eventOccurredBy: 'MANUAL', subscribers: [{ email: 'other@poisoned.example', f1: 'x' }, { email: big, ...korean('다', [41, 42, 43, 44, 45]) }] });
    expect(grown.status).toBe(413);
    expect(grown.body.Error).toMatchObject({ Code: 'SUBSCRIBER_TOO_LARGE', HttpStatusCode: 413 });
    expect(grown.body.Error!.Message).toContain(big);
    expect(await snapshot(api, wide)).toEqual(before);
    // An automated-email API call with a 250 KB value for that subscriber: refused, nothing queued.
    const huge = await api.post(byApi.apiEndpoint!, { subscriber: big, code: 'x'.repeat(250 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.Error).toMatchObject({ Code: 'AUTOMATION_VALUES_TOO_LARGE', HttpStatusCode: 413 });
    // A value within the bound is sent, to the same 240 KB subscriber.
    expect((await api.post(byApi.apiEndpoint!, { subscriber: big, code: 'y'.repeat(60 * 1024) })).status).toBe(200);

    // --- Meanwhile the healthy tenant's webhooks and emails go out.
    await healthyTenantWorks('split');

    // The 2,800 UPDATED changes (over 400 KB merged) arrive as parts, each a storable item, each subscriber once.
    const updates = await waitFor(() => payloadsAt('/bulk').filter((p) => p.action === 'UPDATED'), (p) => emailsIn(p, 'UPDATED').length >= 2800, 60_000);
    expect(jsonBytes(updates.flatMap((p) => p.subscribers))).toBeGreaterThan(ITEM_LIMIT_BYTES);
    expect(updates.length).toBeGreaterThan(1);
    expect(emailsIn(updates, 'UPDATED').sort()).toEqual([...emails].sort());
    expect(new Set(updates.map((p) => p.eventId)).size).toBe(updates.length);
    expect(updates.map((p) => p.part).sort()).toEqual(updates.map((_, i) => i + 1));
    for (const p of updates) {
      expect(p.parts).toBe(updates.length);
      expect(jsonBytes(p)).toBeLessThan(ITEM_LIMIT_BYTES - 64 * 1024);
      expect(p.subscribers[0]).toMatchObject({ name: 'renamed', note });
    }
    // The wide subscriber's changes reached its webhook, and the accepted API call its inbox.
    const wideActions = await waitFor(() => payloadsAt('/wide').map((p) => p.action), (a) => a.length >= 2, 60_000);
    expect(wideActions.sort()).toEqual(['SUBSCRIBED', 'UPDATED']);
    expect((await waitFor(() => recipients(app, 'Poisoned'), (r) => r.length >= 1, 60_000))).toEqual([big]);
    expect(await dashboard(api, byApi.automationId)).toMatchObject({ sent: 1, queued: 0, deadLetters: 0 });
    expect((await queue(api, byApi.automationId)).items).toHaveLength(0);
    const log = await api.get<Array<{ ok: boolean; deadLetter?: boolean }>>(`/v2/lists/${wide}/webhooks/${wideHook}/deliveries`);
    expect(log.status, log.text).toBe(200);
    expect(log.json.every((a) => a.ok && !a.deadLetter)).toBe(true);
  }, 300_000);

  it('a batch that keeps failing is retried, then parked: its facts on the automated email\'s dashboard, its deliveries in the webhook\'s log, with the reason; the healthy tenant is served meanwhile', async () => {
    const { api } = poisoned;
    const listId = await createList(api, 'failing');
    const webhookId = await hook(api, listId, '/failing', ['SUBSCRIBED']);
    const welcome = await started(api, listId, { name: 'poisoned-welcome', subject: 'Never', triggers: [{ type: 'subscriberAdded', includeAdminAdded: true }] });
    // Every pass over this list's batches fails: first its facts, then (once those are parked) its fan-out.
    const onlyThisList = (c: { listId?: number }) => c.listId === listId;
    // The worker's retries and dead letters are logged; the dead-letter line is what the AWS alarm counts.
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    armFault('worker:facts', { times: Infinity, when: onlyThisList });
    armFault('worker:fan-out', { times: Infinity, when: onlyThisList });
    const res = await subscribe(api, listId, { eventOccurredBy: 'MANUAL', subscribers: [{ email: 'stuck@poisoned.example' }, { email: 'stuck2@poisoned.example' }] });
    expect(res.body.Ok, res.text).toBe(true);

    await healthyTenantWorks('parked');

    const board = await waitFor(() => dashboard(api, welcome.automationId), (d) => d.deadLetters === 1, 60_000);
    expect(board).toMatchObject({ queued: 0, sent: 0, deadLetters: 1 });
    expect((board as unknown as { recentDeadLetters: unknown[] }).recentDeadLetters).toEqual([
      expect.objectContaining({ kind: 'facts', attempts: 3, reason: expect.stringContaining('injected fault at worker:facts'), subscribers: 2, emails: expect.arrayContaining(['stuck@poisoned.example', 'stuck2@poisoned.example']) }),
    ]);
    type Entry = { deadLetter?: boolean; kind?: string; error?: string; eventId: string; action: string; attempt: number; subscribers?: number; emails?: string[] };
    const log = await waitFor(
      async () => {
        const res = await api.get<Entry[]>(`/v2/lists/${listId}/webhooks/${webhookId}/deliveries`);
        expect(res.status, res.text).toBe(200);
        return res.json;
      },
      (entries) => entries.some((e) => e.deadLetter),
      60_000,
    );
    expect(log).toEqual([
      expect.objectContaining({ deadLetter: true, kind: 'batch', action: 'SUBSCRIBED', attempt: 3, subscribers: 2, eventId: expect.stringMatching(/:SUBSCRIBED$/), error: expect.stringContaining('injected fault at worker:fan-out') }),
    ]);
    // Parked, not retried for ever: the outbox holds nothing of it any more and nothing was delivered.
    await new Promise((r) => setTimeout(r, 1000));
    const tries = warn.mock.calls.filter(([message]) => message === 'events worker: batch failed').length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(warn.mock.calls.filter(([message]) => message === 'events worker: batch failed').length).toBe(tries);
    expect(tries).toBe(6);
    expect(payloadsAt('/failing')).toHaveLength(0);
    expect(await recipients(app, 'Never')).toHaveLength(0);
    const deadLetterLines = error.mock.calls.filter(([message]) => message === 'dead letter').map(([, extra]) => (extra as { deadLetter: { kind: string; listId: number } }).deadLetter);
    expect(deadLetterLines).toEqual([expect.objectContaining({ kind: 'facts', listId }), expect.objectContaining({ kind: 'batch', listId })]);
    expect(error.mock.calls.filter(([message]) => message !== 'dead letter')).toEqual([]);
  }, 300_000);

  it('a receiver that never answers holds up neither another tenant\'s webhooks nor its automated emails', async () => {
    const { api } = poisoned;
    const listId = await createList(api, 'hanging');
    await hook(api, listId, '/hang', ['SUBSCRIBED']);
    for (let i = 0; i < 3; i++) expect((await subscribe(api, listId, { subscribers: [{ email: `hang-${i}@poisoned.example` }] })).body.Ok).toBe(true);
    // Three attempts in flight, each held for the two-minute timeout unless released.
    expect(await waitFor(() => hung.length, (n) => n >= 3, 60_000)).toBe(3);
    await healthyTenantWorks('beside-hanging');
    // All of that happened while the three attempts were still waiting for their answer.
    expect(hung).toHaveLength(3);
    releaseHung();
  }, 300_000);

  it('import tasks write bounded items: a linked list\'s fields are fixed and each value is at most 2,000 characters', () => {
    // Imports write members with BatchWrite (docs/imports.md); the worst member of either provider stays under the bound.
    for (const fields of [sixshopFields, donusFields]) {
      const worst = { email: `${'e'.repeat(64)}@${'d'.repeat(185)}.kr`, fields: Object.fromEntries(fields.map((f) => [f.tag, '가'.repeat(2000)])), groupIds: [] };
      expect(jsonBytes(worst)).toBeLessThan(SUBSCRIBER_MAX_BYTES);
    }
  });
});
