/** SPEC L10 and R4: list webhooks, through HTTP, with a loopback receiver. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { startTestApp, type ApiClient, type TestApp } from './support/app';
import { createGroup, createList, subscribe } from './support/lists';
import { isInternalAddress } from '#shared/webhooks/url-guard';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { batchPartition } from '#shared/subscribers/store';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

let app: TestApp;
let api: ApiClient;
let workspaceId: string;
let receiver: WebhookReceiver;
let receiverUrl: string;
/** Per path: how many requests to fail with 500 before answering 200. */
const failFirst = new Map<string, number>();

beforeAll(async () => {
  app = await startTestApp({ webhookWorker: { retryBaseMs: 100, intervalMs: 50 } });
  ({ api, workspaceId } = await app.newWorkspace());
  receiver = await startWebhookReceiver({
    respond: ({ path }) => {
      const left = failFirst.get(path) ?? 0;
      if (left === 0) return { status: 200, body: 'ok' };
      failFirst.set(path, left - 1);
      return { status: 500, body: 'fail' };
    },
  });
  receiverUrl = receiver.url;
});
afterAll(async () => {
  await app.close();
  await receiver.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(25);
  }
}
const at = (path: string) => receiver.received.filter((r) => r.path === path);
type Hook = { webhookId: string; secret?: string; enabled: boolean; events: string[]; url: string; name: string };

async function hook(listId: number, path: string, events: string[]): Promise<Hook> {
  const res = await api.post<Hook>(`/v2/lists/${listId}/webhooks`, { name: path, url: `${receiverUrl}${path}`, events });
  expect(res.status, res.text).toBeLessThan(300);
  return res.json;
}

const ALL = ['SUBSCRIBED', 'UPDATED', 'UNSUBSCRIBED', 'RESUBSCRIBED', 'DELETED', 'PURGED', 'GROUP_ASSIGNED', 'GROUP_RELEASED'];

describe('L10 webhooks', () => {
  it('L10: webhooks are created (secret once), read, edited, disabled, enabled and deleted', async () => {
    const listId = await createList(api);
    const created = await hook(listId, '/crud', ['SUBSCRIBED']);
    expect(created.secret).toMatch(/^whsec_/);
    const listed = await api.get<Hook[]>(`/v2/lists/${listId}/webhooks`);
    expect(listed.json).toHaveLength(1);
    expect(listed.text).not.toContain(created.secret!);
    const edited = await api.put<Hook>(`/v2/lists/${listId}/webhooks/${created.webhookId}`, { name: 'renamed', events: ['UPDATED', 'PURGED'] });
    expect(edited.json).toMatchObject({ name: 'renamed', events: ['UPDATED', 'PURGED'], enabled: true });
    expect((await api.put<Hook>(`/v2/lists/${listId}/webhooks/${created.webhookId}/disable`)).json.enabled).toBe(false);
    expect((await api.put<Hook>(`/v2/lists/${listId}/webhooks/${created.webhookId}/enable`)).json.enabled).toBe(true);
    expect((await api.get<Hook>(`/v2/lists/${listId}/webhooks/${created.webhookId}`)).json.name).toBe('renamed');
    expect((await api.del(`/v2/lists/${listId}/webhooks/${created.webhookId}`)).status).toBeLessThan(300);
    expect((await api.get(`/v2/lists/${listId}/webhooks/${created.webhookId}`)).error?.code).toBe('stberror.Errors.Webhook.NoSuchWebhook');
    const bad = await api.post(`/v2/lists/${listId}/webhooks`, { name: 'x', url: `${receiverUrl}/x`, events: ['EXPLODED'] });
    expect(bad.status).toBe(400);
  });

  it('L10: one signed, batched delivery per change, in the original payload shape', async () => {
    const listId = await createList(api);
    const group = await createGroup(api, listId);
    const h = await hook(listId, '/events', ALL);
    await subscribe(api, listId, { subscribers: [{ email: 'gildong@stibee.com', name: '길동' }, { email: 'dooly@stibee.com', name: '둘리' }, { email: 'doner@stibee.com', name: '도우너' }] });
    const first = await waitFor(() => at('/events')[0]);
    const payload = JSON.parse(first.body);
    expect(Object.keys(payload).slice(0, 5)).toEqual(['id', 'action', 'eventOccurredBy', 'eventOccuredBy', 'subscribers']);
    expect(payload).toMatchObject({ id: String(listId), action: 'SUBSCRIBED', eventOccurredBy: 'MANUAL', eventOccuredBy: 'MANUAL' });
    expect(payload.subscribers.map((s: { email: string }) => s.email).sort()).toEqual(['doner@stibee.com', 'dooly@stibee.com', 'gildong@stibee.com']);
    expect(payload.subscribers.find((s: { email: string }) => s.email === 'dooly@stibee.com')).toMatchObject({ name: '둘리' });

    // Signature: t=<unix>,v1=HMAC-SHA256(secret, "<t>.<body>")
    const sig = String(first.headers['x-webhook-signature']);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig)!;
    expect(createHmac('sha256', h.secret!).update(`${t}.${first.body}`).digest('hex')).toBe(v1);
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(60);

    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['dooly@stibee.com']);
    await subscribe(api, listId, { subscribers: [{ email: 'gildong@stibee.com', name: '고길동' }] });
    await api.post(`/v1/lists/${listId}/groups/${group}/subscribers/assign`, ['doner@stibee.com']);
    await api.del(`/v1/lists/${listId}/subscribers`, ['doner@stibee.com']);
    await subscribe(api, listId, { eventOccurredBy: 'SUBSCRIBER', subscribers: [{ email: 'dooly@stibee.com' }] });
    const actions = ['SUBSCRIBED', 'UNSUBSCRIBED', 'UPDATED', 'GROUP_ASSIGNED', 'PURGED', 'RESUBSCRIBED'];
    const all = await waitFor(() => (at('/events').length >= actions.length ? at('/events') : undefined));
    await sleep(300);
    const payloads = at('/events').map((r) => JSON.parse(r.body));
    // Exactly one payload per change; deliveries are concurrent, so not in order (occurredAt orders them).
    expect(payloads.map((p) => p.action).sort()).toEqual([...actions].sort());
    expect(all.length).toBe(actions.length);
    const byAction = Object.fromEntries(payloads.map((p) => [p.action, p]));
    expect(byAction.UNSUBSCRIBED.subscribers).toEqual([{ email: 'dooly@stibee.com' }]);
    expect(byAction.UPDATED.subscribers).toEqual([expect.objectContaining({ email: 'gildong@stibee.com', name: '고길동', old_email: 'gildong@stibee.com' })]);
    expect(byAction.GROUP_ASSIGNED.subscribers).toEqual([{ email: 'doner@stibee.com', groupId: group }]);
    expect(byAction.PURGED.subscribers).toEqual([{ email: 'doner@stibee.com' }]);
    expect(byAction.RESUBSCRIBED).toMatchObject({ eventOccurredBy: 'SUBSCRIBER', subscribers: [{ email: 'dooly@stibee.com' }] });
    expect(new Set(payloads.map((p) => p.eventId)).size).toBe(actions.length);
  });

  it('L10: a webhook gets only its events; a disabled one gets nothing', async () => {
    const listId = await createList(api);
    await hook(listId, '/only-unsub', ['UNSUBSCRIBED']);
    const off = await hook(listId, '/disabled', ALL);
    await api.put(`/v2/lists/${listId}/webhooks/${off.webhookId}/disable`);
    await subscribe(api, listId, { subscribers: [{ email: 'a@x.com' }] });
    await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['a@x.com']);
    await waitFor(() => at('/only-unsub')[0]);
    await sleep(400);
    expect(at('/only-unsub').map((r) => JSON.parse(r.body).action)).toEqual(['UNSUBSCRIBED']);
    expect(at('/disabled')).toHaveLength(0);
  });

  it('L10: a failing receiver is retried with back-off until it answers 2xx; the delivery log shows each attempt', async () => {
    const listId = await createList(api);
    const h = await hook(listId, '/flaky', ['SUBSCRIBED']);
    failFirst.set('/flaky', 2);
    await subscribe(api, listId, { subscribers: [{ email: 'r@x.com' }] });
    await waitFor(() => (at('/flaky').length >= 3 ? true : undefined), 8000);
    await sleep(500);
    expect(at('/flaky')).toHaveLength(3);
    const bodies = new Set(at('/flaky').map((r) => r.body));
    expect(bodies.size).toBe(1);
    const log = await api.get<{ attempt: number; status: number; ok: boolean; latencyMs: number }[]>(`/v2/lists/${listId}/webhooks/${h.webhookId}/deliveries`);
    expect(log.json.map((a) => [a.attempt, a.status, a.ok])).toEqual([
      [3, 200, true],
      [2, 500, false],
      [1, 500, false],
    ]);
    expect(log.json.every((a) => a.latencyMs >= 0)).toBe(true);
  });

  it('L10: events committed by a request that died before sealing its batch are still delivered, once', async () => {
    const listId = await createList(api);
    await hook(listId, '/crashed', ['SUBSCRIBED']);
    // What a crash right after the subscriber transaction leaves: its outbox item, no seal.
    const occurredAt = new Date(Date.now() - 2 * 60_000).toISOString();
    const batchId = '00000000-dead-4000-8000-000000000000';
    await app.runtime.deps.db.send(
      new PutCommand({
        TableName: app.runtime.deps.tableName,
        Item: {
          ...keys.event(batchPartition(batchId), `${occurredAt}#${batchId}`, 'e1'),
          type: 'event',
          batchId,
          eventId: 'e1',
          workspaceId,
          listId,
          eventOccurredBy: 'MANUAL',
          occurredAt,
          changes: [{ action: 'SUBSCRIBED', subscriber: { email: 'crash@x.com' } }],
        },
      }),
    );
    await waitFor(() => at('/crashed')[0]);
    await sleep(400);
    expect(at('/crashed').map((r) => JSON.parse(r.body).subscribers)).toEqual([[{ email: 'crash@x.com' }]]);
  });

  it('L10: the test ping sends a signed PING now and answers how it went', async () => {
    const listId = await createList(api);
    const h = await hook(listId, '/ping', ['SUBSCRIBED']);
    const res = await api.post<{ ok: boolean; status: number; action: string }>(`/v2/lists/${listId}/webhooks/${h.webhookId}/test`);
    expect(res.json).toMatchObject({ ok: true, status: 200, action: 'PING' });
    expect(JSON.parse(at('/ping')[0]!.body)).toMatchObject({ id: String(listId), action: 'PING' });
  });

  it('R1: the subscribe request does not wait for, nor fail with, a dead receiver', async () => {
    const listId = await createList(api);
    await api.post(`/v2/lists/${listId}/webhooks`, { name: 'dead', url: 'http://127.0.0.1:9/dead', events: ['SUBSCRIBED'] });
    const res = await subscribe(api, listId, { subscribers: [{ email: 'fast@x.com' }] });
    expect(res.status).toBe(200);
    expect(res.body.Value.success).toHaveLength(1);
  });
});

describe('R4 private addresses', () => {
  it('R4: with private URLs disallowed (as in AWS), loopback, private and link-local receivers are refused', async () => {
    const strict = await startTestApp({ allowPrivateWebhookUrls: false });
    try {
      const { api: sApi } = await strict.newWorkspace();
      const listId = await createList(sApi);
      for (const url of ['http://127.0.0.1:8080/h', 'http://localhost/h', 'http://10.1.2.3/h', 'http://169.254.169.254/latest', 'http://[::1]/h', 'http://192.168.0.10/h', 'ftp://example.com/h']) {
        const res = await sApi.post(`/v2/lists/${listId}/webhooks`, { name: 'x', url, events: ['SUBSCRIBED'] });
        expect(res.status, url).toBe(400);
        expect(res.error?.code, url).toMatch(/^stberror\.Errors\.(Webhook\.NotPermittedUrl|Data\.InvalidRequest)$/);
      }
      expect((await sApi.get<unknown[]>(`/v2/lists/${listId}/webhooks`)).json).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('R4 (issue 14): DNS rebinding reaches nothing internal: the delivery connects to the address it checked, not to a second lookup', async () => {
    const calls: string[] = [];
    // Public to the check when the webhook is saved, loopback (where the receiver listens) ever after.
    const rebinding = async (host: string) => {
      calls.push(host);
      return [{ address: calls.length === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    };
    const strict = await startTestApp({ allowPrivateWebhookUrls: false, resolveHost: rebinding });
    try {
      const { api: sApi } = await strict.newWorkspace();
      const listId = await createList(sApi);
      const port = new URL(receiverUrl).port;
      const created = await sApi.post<Hook>(`/v2/lists/${listId}/webhooks`, { name: 'rebind', url: `http://rebind.attacker.example:${port}/rebind`, events: ['SUBSCRIBED'] });
      expect(created.status, created.text).toBeLessThan(300);
      const ping = await sApi.post<{ ok: boolean; status: number | null; latencyMs: number; error?: string }>(`/v2/lists/${listId}/webhooks/${created.json.webhookId}/test`);
      // The ping reports neither the internal service's status nor how fast it answered.
      expect(ping.json).toMatchObject({ ok: false, status: null, latencyMs: 0, error: expect.stringMatching(/refused/) });
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(at('/rebind')).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('R4: the address check knows the internal ranges', () => {
    for (const a of ['64:ff9b::7f00:1', '2002:7f00:1::1', '::127.0.0.1', '::ffff:7f00:1', '::']) expect(isInternalAddress(a), a).toBe(true);
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) {
      expect(isInternalAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '52.78.132.66']) expect(isInternalAddress(a), a).toBe(false);
  });
});
