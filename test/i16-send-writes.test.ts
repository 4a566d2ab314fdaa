/**
 * Issue 16 (a), SPEC A3/A5/A7: a send due when it is triggered costs three item writes (its
 * subscriber's trigger history, its send record written `sending`, the same record written
 * `sent`), never a queue item; and it is still mailed exactly once. Counted from every write the
 * runtime's DynamoDB client makes (not timed). docs/data-model.md, "The per-send write path".
 */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { createList } from './support/lists';
import { keys } from '#shared/table/keys';
import { add, dashboard, queue, recipients, started, waitFor } from './support/automations';

let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s));

type Written = { PK: string; SK: string };

/** Records the key of every item each write call of the client puts, updates or deletes. */
function recordWrites(client: TestApp['runtime']['deps']['db']) {
  const written: Written[] = [];
  const keyOf = (entry: Record<string, unknown>) => {
    const k = (entry.Item ?? entry.Key) as Record<string, { S?: string } | string> | undefined;
    const str = (v: { S?: string } | string | undefined) => (typeof v === 'string' ? v : (v?.S ?? ''));
    return k ? { PK: str(k.PK), SK: str(k.SK) } : undefined;
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as Record<string, unknown>;
      const add = (entry: unknown) => {
        const k = entry ? keyOf(entry as Record<string, unknown>) : undefined;
        if (k) written.push(k);
      };
      switch (context.commandName) {
        case 'TransactWriteItemsCommand':
        case 'TransactWriteCommand':
          for (const t of (input.TransactItems ?? []) as Array<Record<string, unknown>>) add(t.Put ?? t.Update ?? t.Delete);
          break;
        case 'BatchWriteItemCommand':
        case 'BatchWriteCommand':
          for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, Array<Record<string, Record<string, unknown>>>>))
            for (const r of requests) add(r.PutRequest ?? r.DeleteRequest);
          break;
        case 'PutItemCommand':
        case 'PutCommand':
        case 'UpdateItemCommand':
        case 'UpdateCommand':
        case 'DeleteItemCommand':
        case 'DeleteCommand':
          add(input);
          break;
      }
      return result;
    },
    { step: 'initialize', name: 'i16WriteRecorder', override: true },
  );
  return written;
}

describe('issue 16 (a): the write path of a triggered send', () => {
  it('A3/A7: 40 sends due at their trigger: 3 item writes each (history, record sending, record sent), no queue item, each mailed once', async () => {
    const listId = await createList(api, 'write path');
    const a = await started(api, listId, { subject: 'Three writes' });
    const written = recordWrites(app.runtime.deps.db);
    const emails = Array.from({ length: 40 }, (_, i) => `w${i}@example.com`);
    await add(api, listId, emails.map((email) => ({ email })));
    const d = await waitFor(() => dashboard(api, a.automationId), (v) => v.sent === 40 && v.sending === 0, 60_000);
    expect(d).toMatchObject({ sent: 40, sending: 0, queued: 0, failed: 0 });
    expect((await recipients(app, 'Three writes')).sort()).toEqual([...emails].sort());

    const queueWrites = written.filter((w) => w.PK === keys.pendingPartition(a.automationId));
    const historyPrefix = keys.automationSubscriber(a.automationId, 'x').PK.replace(/[^#]+$/, '');
    const historyWrites = written.filter((w) => w.PK.startsWith(historyPrefix));
    const sendWrites = written.filter((w) => w.PK.startsWith('SEND#') && w.SK === keys.send('x').SK);
    // Never queued: claimed in the trigger's own transaction.
    expect(queueWrites).toEqual([]);
    expect(historyWrites).toHaveLength(40);
    // Each send's record twice (claimed, then its result), none a third time.
    const perSend = new Map<string, number>();
    for (const w of sendWrites) perSend.set(w.PK, (perSend.get(w.PK) ?? 0) + 1);
    expect(perSend.size).toBe(40);
    expect([...perSend.values()].every((n) => n === 2)).toBe(true);
    expect((historyWrites.length + sendWrites.length) / 40).toBe(3);
    expect((await queue(api, a.automationId)).total).toBe(0);
  }, 180_000);
});
