/** SPEC I5, L10: what linked lists refuse, and the IMPORT_COMPLETED webhook event. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armCrash, disarmAll } from '#shared/imports/faults';
import { useTestApp, type TestApp } from './support/app';
import { counts, snapshot, listBasics } from './support/lists';
import { connect, importNow, linkedList } from './support/integrations';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

let app: TestApp;
useTestApp((started) => {
  app = started.app;
}, { importRetryIntervalMs: 5, webhookWorker: { intervalMs: 50 } });

let receiver: WebhookReceiver;
let receiverUrl = '';
type Payload = { action: string; subscribers: Record<string, unknown>[] };
const received = (): Payload[] => receiver.received.map((r) => JSON.parse(r.body) as Payload);
beforeAll(async () => {
  receiver = await startWebhookReceiver();
  receiverUrl = receiver.url;
});
afterAll(async () => {
  await receiver.close();
});

async function importedList(provider: 'sixshop' | 'donus', members = 20) {
  app.runtime.simulator!.control[provider].set({ memberCount: members });
  const w = await app.newWorkspace();
  await connect(w.api, provider);
  const listId = await linkedList(w.api, provider);
  expect((await importNow(app, w.api, listId)).status).toBe('completed');
  return { ...w, listId };
}

describe('I5 linked lists', () => {
  it('I5: a Donus list refuses the subscribe API, unsubscribe and delete, and nothing changes', async () => {
    const { api, listId } = await importedList('donus');
    const before = await snapshot(api, listId);
    for (const eventOccurredBy of ['MANUAL', 'SUBSCRIBER']) {
      const res = await api.post(`/v1/lists/${listId}/subscribers`, { eventOccurredBy, subscribers: [{ email: 'new@x.com' }, { email: 'donor1@donus.example.com', name: '바뀜' }] });
      // A v1 write reports the refusal in the envelope of an HTTP 200, as the original (issue 13).
      expect(res.status).toBe(200);
      expect(res.body.Error?.HttpStatusCode).toBe(403);
      expect(res.body.Error?.Code).toBe('LIST_LINKED_ADD_REFUSED');
    }
    const confirm = await api.post(`/v1/lists/${listId}/subscribers`, { confirmEmailYN: 'Y', subscribers: [{ email: 'new@x.com' }] });
    expect(confirm.body.Error?.Code).toBe('LIST_LINKED_ADD_REFUSED');
    const unsub = await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, ['donor1@donus.example.com']);
    // A v1 write reports the refusal in the envelope of an HTTP 200 (issue 13).
    expect(unsub.status).toBe(200);
    expect(unsub.body.Error?.HttpStatusCode).toBe(403);
    expect(unsub.body.Error?.Code).toBe('LIST_LINKED_CHANGE_REFUSED');
    expect(unsub.body.Error?.Message).toContain('도너스');
    const del = await api.del(`/v1/lists/${listId}/subscribers`, ['donor1@donus.example.com']);
    expect(del.body.Error?.Code).toBe('LIST_LINKED_CHANGE_REFUSED');
    expect(await snapshot(api, listId)).toEqual(before);
    expect(app.outbox()).toEqual([]);
  });

  it('I5 (Sixshop, our choice): adds are refused like Donus; unsubscribe and delete work like a standard list', async () => {
    const { api, listId } = await importedList('sixshop');
    const add = await api.post(`/v1/lists/${listId}/subscribers`, { subscribers: [{ email: 'new@x.com' }] });
    expect(add.body.Error?.Code).toBe('LIST_LINKED_ADD_REFUSED');
    const unsub = await api.put<{ success: string[] }>(`/v1/lists/${listId}/subscribers/unsubscribe`, ['member1@sixshop.example.com']);
    expect(unsub.body.Value.success).toEqual(['member1@sixshop.example.com']);
    const del = await api.del<{ success: string[] }>(`/v1/lists/${listId}/subscribers`, ['member2@sixshop.example.com']);
    expect(del.body.Value.success).toEqual(['member2@sixshop.example.com']);
    expect(await counts(api, listId)).toEqual({ subscribed: 18, unsubscribed: 1, autoDeleted: 0, total: 19 });
  });

  it('I5: a standard list is unaffected', async () => {
    const w = await app.newWorkspace();
    const list = await w.api.post<{ id: number }>('/v2/lists', { ...listBasics, name: 'plain' });
    const add = await w.api.post<{ success: unknown[] }>(`/v1/lists/${list.json.id}/subscribers`, { subscribers: [{ email: 'a@x.com' }] });
    expect(add.body.Value.success).toHaveLength(1);
  });
});

describe('L10 IMPORT_COMPLETED', () => {
  it('L10, I3: completion and failure of an import reach the list webhook as IMPORT_COMPLETED', async () => {
    const { api, listId } = await importedList('sixshop', 30);
    const hook = await api.post(`/v2/lists/${listId}/webhooks`, { name: 'imports', url: `${receiverUrl}/hook`, events: ['IMPORT_COMPLETED'] });
    expect(hook.status, hook.text).toBeLessThan(300);
    const ok = await importNow(app, api, listId);
    armCrash('switch:before', 100);
    const failed = await importNow(app, api, listId);
    disarmAll();
    expect(failed.status).toBe('failed');
    const deadline = Date.now() + 10_000;
    while (received().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const byJob = new Map(received().map((p) => [String(p.subscribers[0]?.jobId), p]));
    expect(byJob.get(ok.jobId)).toMatchObject({ id: String(listId), action: 'IMPORT_COMPLETED', subscribers: [{ jobId: ok.jobId, provider: 'sixshop', status: 'completed', membersWritten: 30 }] });
    expect(byJob.get(failed.jobId)).toMatchObject({ action: 'IMPORT_COMPLETED', subscribers: [{ jobId: failed.jobId, status: 'failed', error: { code: expect.any(String) } }] });
    // Imports write subscribers without per-subscriber events: one event per import.
    expect(received().every((p) => p.action === 'IMPORT_COMPLETED')).toBe(true);
  });
});
