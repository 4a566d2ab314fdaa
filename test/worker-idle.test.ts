/**
 * SPEC L10 and A3, the embedded events worker: idle, it backs off (a runtime nobody uses makes a
 * few DynamoDB calls a second, not dozens); a write of the runtime itself to the outbox wakes it
 * at once, so a subscribe's webhook does not wait out the back-off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app';
import { createList, subscribe } from './support/lists';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let app: TestApp | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await app?.close();
  await receiver?.close();
  app = receiver = undefined;
});

/** Counts every DynamoDB call the runtime's client makes from now on. */
function countCalls(started: TestApp) {
  const counter = { calls: 0 };
  started.runtime.deps.db.middlewareStack.add(
    (next) => async (args) => {
      counter.calls++;
      return next(args);
    },
    { step: 'initialize', name: 'countIdleCalls' },
  );
  return counter;
}

describe('embedded events worker while idle', () => {
  it('L10/A3: an idle runtime backs off to about one pass a second per loop (no polling 8 partitions 4 times a second)', async () => {
    app = await startTestApp();
    // Start-up work (resumes, sweeps) settles and the loops reach their longest wait.
    await sleep(2500);
    const counter = countCalls(app);
    await sleep(3000);
    // Two loops × 4 partitions: one pass a second is 24 calls in 3 s; every 250 ms it was 96.
    expect(counter.calls).toBeLessThanOrEqual(32);
  });

  it('L10: a write of the runtime to the outbox wakes the worker at once (a webhook without waiting for the next pass)', async () => {
    receiver = await startWebhookReceiver();
    // Passes 10 minutes apart: only the wake-up can deliver the webhook within the test.
    app = await startTestApp({ webhookWorker: { intervalMs: 600_000 } });
    const { api } = await app.newWorkspace();
    const listId = await createList(api);
    const created = await api.post(`/v2/lists/${listId}/webhooks`, { name: 'wake', url: `${receiver.url}/wake`, events: ['SUBSCRIBED'] });
    expect(created.status, created.text).toBeLessThan(300);
    await subscribe(api, listId, { subscribers: [{ email: 'wake@example.com' }] });
    const until = Date.now() + 20_000;
    while (!receiver.received.some((r) => r.path === '/wake') && Date.now() < until) await sleep(25);
    const delivered = receiver.received.filter((r) => r.path === '/wake');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.body).toContain('wake@example.com');
  });
});
