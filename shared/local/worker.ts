/** The embedded twin of the AWS events worker: webhook fan-out, automation facts and due deliveries. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Deps } from '#shared/runtime/deps';
import { deliverDue, fanOutEvents, type WorkerOptions } from '#shared/webhooks/worker';
import { logger } from '#shared/logger';
import { isStoreOutage } from '#shared/http/errors';
import { processFacts } from '#shared/automations/events';
import { keys } from '#shared/table/keys';

/** Longest wait between passes of an idle loop: what a write from outside this process (another runtime's, the admin CLI's) waits at most. */
export const IDLE_MAX_MS = 1000;

const EVENT_PREFIX = keys.eventPartition(0).slice(0, -1);
const DELIVERY_PREFIX = keys.deliveryPartition(0).slice(0, -1);

/** A key attribute as the document client passes it (a string) or as hand-marshalled batches do (`{S}`). */
const stringOf = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : value && typeof value === 'object' && typeof (value as { S?: unknown }).S === 'string' ? (value as { S: string }).S : undefined;

/** The partition keys a write command touches: Put/Update/Delete, TransactWrite and BatchWrite inputs. */
export function writtenPartitions(input: unknown): string[] {
  const out: string[] = [];
  const add = (record: unknown) => {
    const pk = stringOf((record as { PK?: unknown } | undefined)?.PK);
    if (pk) out.push(pk);
  };
  const i = input as {
    Item?: unknown;
    Key?: unknown;
    TransactItems?: Array<Record<string, { Item?: unknown; Key?: unknown } | undefined>>;
    RequestItems?: Record<string, Array<{ PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }>>;
  };
  if (!i || typeof i !== 'object') return out;
  add(i.Item);
  add(i.Key);
  for (const t of i.TransactItems ?? []) {
    add(t.Put?.Item);
    add(t.Update?.Key);
    add(t.Delete?.Key);
  }
  for (const requests of Object.values(i.RequestItems ?? {})) {
    if (!Array.isArray(requests)) continue;
    for (const r of requests) {
      add(r.PutRequest?.Item);
      add(r.DeleteRequest?.Key);
    }
  }
  return out;
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);

let workers = 0;

/**
 * Two loops, each isolating its own items (issue 12): the fan-out (webhook deliveries and
 * automation facts) and the deliveries. Each has its own turn and attempts are not waited for
 * between passes, so receivers that take their whole timeout to answer hold up neither the
 * facts of automated emails nor other webhooks' deliveries, and a loop that fails as a whole
 * (the database unreachable) does not stop the other. `paused`: the store guard's (issue 12):
 * no pass while the database is down or the disk full.
 *
 * Idle, a loop backs off: each pass that finds nothing doubles its wait, from `intervalMs` up
 * to `idleMaxMs`, so a runtime nobody uses makes a few calls a second instead of dozens. Any
 * write of this process to the outbox (`EVT#`) or the delivery queue (`WHQ#`), seen by a
 * middleware on `deps.db`, wakes the loop that reads it at once: a subscribe's webhook and
 * automation facts are as quick as before. Writes of other processes wait at most `idleMaxMs`.
 */
export function startEmbeddedWorker(
  deps: Deps,
  options: WorkerOptions,
  intervalMs: number,
  paused: () => boolean = () => false,
  idleMaxMs: number = Math.max(intervalMs, IDLE_MAX_MS),
) {
  let stopped = false;
  const loop = (name: string, run: () => Promise<number>) => {
    let running: Promise<void> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let wait = intervalMs;
    /** A write came in while a pass ran: the pass may have read before it, so another follows. */
    let woken = false;
    const schedule = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(tick, ms);
      timer.unref();
    };
    const tick = () => {
      timer = undefined;
      if (running || stopped) return;
      if (paused()) return schedule(intervalMs);
      woken = false;
      running = (async () => {
        let found = 0;
        try {
          found = await run();
        } catch (error) {
          if (!stopped && !isStoreOutage(error)) logger.error(`events worker: ${name}`, { error: error as Error });
        } finally {
          running = undefined;
        }
        if (stopped) return;
        wait = found > 0 || woken ? intervalMs : Math.min(wait * 2, idleMaxMs);
        schedule(wait);
      })();
    };
    schedule(intervalMs);
    return {
      wake() {
        if (stopped) return;
        wait = intervalMs;
        if (running) woken = true;
        else schedule(0);
      },
      async stop() {
        clearTimeout(timer);
        await running;
      },
    };
  };
  // Attempts run on in here between passes (shared/webhooks/worker.ts, deliverDue).
  const inFlight = new Map<string, Promise<void>>();
  const fanOut = loop('fan-out', () => fanOutEvents(deps, (event) => processFacts(deps, event), options));
  const deliveries = loop('deliveries', () => deliverDue(deps, options, inFlight));
  const wakeName = `eventsWorkerWake${++workers}`;
  const db = deps.db as DynamoDBDocumentClient;
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (WRITES.has(context.commandName ?? '')) {
        for (const pk of writtenPartitions(args.input)) {
          if (pk.startsWith(EVENT_PREFIX)) fanOut.wake();
          else if (pk.startsWith(DELIVERY_PREFIX)) deliveries.wake();
        }
      }
      return result;
    },
    { step: 'initialize', name: wakeName },
  );
  return {
    async stop() {
      stopped = true;
      db.middlewareStack.remove(wakeName);
      await Promise.all([fanOut.stop(), deliveries.stop()]);
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
