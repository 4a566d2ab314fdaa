/**
 * Issue 16 (a), (b): the triggered-send pipeline, counted, not timed.
 * - A lane of the trigger's transactions commits its next transaction while the sends of its last
 *   one are being mailed (shared/automations/triggers.ts, enqueueSlice): the database and the
 *   mailer work side by side.
 * - One events-worker batch asks whether its email's sender is verified once (issue 14's check),
 *   not once per transaction of sends (shared/automations/dispatch.ts, claimedSendDeliverer).
 * - A delayed send (queued, claimed later by the dispatcher) writes five items, as
 *   docs/data-model.md "The per-send write path" states and explains.
 */
import { describe, expect, it } from 'vitest';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { createList } from './support/lists';
import { keys } from '#shared/table/keys';
import { getAutomation } from '#shared/automations/automations';
import { enqueueFires } from '#shared/automations/triggers';
import { claimedSendDeliverer } from '#shared/automations/dispatch';
import { add, dashboard, queue, recipients, started, waitFor } from './support/automations';

let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s));

type Call = { command: string; PK: string; SK: string };

/** The key of every item each call of the client reads or writes, with the call's name. */
function recordCalls(client: TestApp['runtime']['deps']['db']) {
  const calls: Call[] = [];
  const str = (v: unknown) => (typeof v === 'string' ? v : String((v as { S?: string } | undefined)?.S ?? ''));
  const add = (command: string, entry: unknown) => {
    const k = ((entry as Record<string, unknown> | undefined)?.Item ?? (entry as Record<string, unknown> | undefined)?.Key) as Record<string, unknown> | undefined;
    if (k) calls.push({ command, PK: str(k.PK), SK: str(k.SK) });
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as Record<string, unknown>;
      const command = context.commandName as string;
      if (command.startsWith('Transact')) for (const t of (input.TransactItems ?? []) as Array<Record<string, unknown>>) add(command, t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck);
      else if (command.startsWith('BatchWrite'))
        for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, Array<Record<string, unknown>>>)) for (const r of requests) add(command, r.PutRequest ?? r.DeleteRequest);
      else add(command, input);
      return result;
    },
    { step: 'initialize', name: `i16PipelineRecorder${Math.random()}`, override: true },
  );
  return calls;
}

const isWrite = (c: Call) => /^(Transact|BatchWrite|Put|Update|Delete)/.test(c.command);

describe('issue 16: the triggered-send pipeline', () => {
  it('A3/A7: a lane commits its next trigger transaction while its last one is being mailed; each send mailed once', async () => {
    const listId = await createList(api, 'pipelined');
    // An API trigger: the subscribe below meets no trigger; the test fires them itself.
    const view = await started(api, listId, { subject: 'Pipelined', triggers: [{ type: 'api' }] });
    const emails = Array.from({ length: 196 }, (_, i) => `p${String(i).padStart(3, '0')}@example.com`);
    await add(api, listId, emails.map((email) => ({ email })));
    const a = (await getAutomation(app.runtime.deps, listId, view.automationId))!;
    const deps = app.runtime.deps;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const real = claimedSendDeliverer(deps);
    let deliveries = 0;
    const deliver: Parameters<typeof enqueueFires>[4] = {
      deliver: async (records, context) => {
        deliveries++;
        await gate;
        return real(records, context);
      },
    };
    // 196 subscribers = 4 transactions of 49 (history + claim each) on 2 lanes.
    const running = enqueueFires(deps, a, emails.map((email) => ({ email, triggerIndex: 0, at: deps.clock.now() })), 'i16-pipeline', deliver);
    // While the first two deliveries wait for their mail, the lanes commit their next transactions:
    // all 196 claimed (`sending`), not only the first two transactions' 98.
    const claimed = await waitFor(() => dashboard(api, view.automationId), (d) => d.sending === 196, 30_000);
    const seenWhileBlocked = deliveries;
    release();
    await running;
    expect(claimed.sending).toBe(196);
    expect(seenWhileBlocked).toBe(2);
    const d = await waitFor(() => dashboard(api, view.automationId), (v) => v.sent === 196, 30_000);
    expect(d).toMatchObject({ sent: 196, sending: 0, queued: 0, failed: 0 });
    expect((await recipients(app, 'Pipelined')).sort()).toEqual(emails);
  }, 120_000);

  it('issue 14 kept: one batch asks for its sender once, not once per transaction of sends, and still refuses an unverified one', async () => {
    const listId = await createList(api, 'sender once');
    const view = await started(api, listId, { subject: 'Sender once', triggers: [{ type: 'api' }] });
    const emails = Array.from({ length: 150 }, (_, i) => `s${String(i).padStart(3, '0')}@example.com`);
    await add(api, listId, [...emails, 'later@example.com'].map((email) => ({ email })));
    const deps = app.runtime.deps;
    const a = (await getAutomation(deps, listId, view.automationId))!;
    const calls = recordCalls(deps.db);
    await enqueueFires(deps, a, emails.map((email) => ({ email, triggerIndex: 0, at: deps.clock.now() })), 'i16-sender-once', { deliver: claimedSendDeliverer(deps) });
    const senderReads = calls.filter((c) => c.command.startsWith('Get') && c.SK.startsWith('SENDER#'));
    // 150 sends = 4 transactions = 4 deliveries; the list's sender and the workspace's, once each.
    expect(senderReads.map((c) => c.PK).sort()).toEqual([keys.listPartition(listId), keys.workspace(a.workspaceId).PK].sort());
    expect((await recipients(app, 'Sender once')).length).toBe(150);

    // The sender gone from the list behind the email's back (the race issue 14 guards against; the
    // API refuses to remove a running email's sender): the next batch's single look-up refuses it.
    await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: keys.listSender(listId, a.senderEmail) }));
    await enqueueFires(deps, a, [{ email: 'later@example.com', triggerIndex: 0, at: deps.clock.now() }], 'i16-sender-removed', { deliver: claimedSendDeliverer(deps) });
    const after = await waitFor(() => dashboard(api, view.automationId), (v) => v.failed === 1, 30_000);
    expect(after).toMatchObject({ sent: 150, failed: 1, sending: 0 });
  }, 120_000);

  it('A4/A5: a delayed send writes 5 items: history, queue item, its deletion by the claim, the record sending, the record sent', async () => {
    const listId = await createList(api, 'delayed writes');
    const a = await started(api, listId, { subject: 'Five writes', delay: { value: 1, unit: 'days' } });
    const calls = recordCalls(app.runtime.deps.db);
    const emails = Array.from({ length: 20 }, (_, i) => `d${i}@example.com`);
    await add(api, listId, emails.map((email) => ({ email })));
    const queued = await waitFor(() => queue(api, a.automationId), (q) => q.items.length === 20, 30_000);
    expect(queued.items).toHaveLength(20);
    const sendNow = await api.post<{ sent: number }>(`/v2/automations/${a.automationId}/queue/send`, { ids: queued.items.map((i) => i.id) });
    expect(sendNow.json.sent, sendNow.text).toBe(20);
    expect((await recipients(app, 'Five writes')).sort()).toEqual([...emails].sort());

    const writes = calls.filter(isWrite);
    const historyPrefix = keys.automationSubscriber(a.automationId, 'x').PK.replace(/[^#]+$/, '');
    const history = writes.filter((w) => w.PK.startsWith(historyPrefix));
    const queueWrites = writes.filter((w) => w.PK === keys.pendingPartition(a.automationId));
    const records = writes.filter((w) => w.PK.startsWith('SEND#') && w.SK === keys.send('x').SK);
    expect(history).toHaveLength(20);
    // Put when triggered, deleted by the claim: twice per send.
    expect(queueWrites).toHaveLength(40);
    expect(new Set(queueWrites.map((w) => w.SK)).size).toBe(20);
    // Written `sending` by the claim, then `sent`.
    expect(records).toHaveLength(40);
    expect(new Set(records.map((w) => w.PK)).size).toBe(20);
    expect((history.length + queueWrites.length + records.length) / 20).toBe(5);
  }, 120_000);
});
