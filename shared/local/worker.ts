/** The embedded twin of the AWS events worker: webhook fan-out, automation facts and due deliveries on a short interval. */
import type { Deps } from '#shared/runtime/deps';
import { deliverDue, fanOutEvents, type WorkerOptions } from '#shared/webhooks/worker';
import { logger } from '#shared/logger';
import { processFacts } from '#shared/automations/events';

/**
 * Two loops, each isolating its own items (issue 12): the fan-out (webhook deliveries and
 * automation facts) and the deliveries. Each has its own turn and attempts are not waited for
 * between passes, so receivers that take their whole timeout to answer hold up neither the
 * facts of automated emails nor other webhooks' deliveries, and a loop that fails as a whole
 * (the database unreachable) does not stop the other. `paused`: the store guard's (issue 12):
 * no tick while the database is down or the disk full.
 */
export function startEmbeddedWorker(deps: Deps, options: WorkerOptions, intervalMs: number, paused: () => boolean = () => false) {
  let stopped = false;
  const loop = (name: string, run: () => Promise<unknown>) => {
    let running: Promise<void> | undefined;
    const tick = () => {
      if (running || stopped || paused()) return;
      running = (async () => {
        try {
          await run();
        } catch (error) {
          if (!stopped) logger.error(`events worker: ${name}`, { error: error as Error });
        } finally {
          running = undefined;
        }
      })();
    };
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return {
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
  };
  // Attempts run on in here between passes (shared/webhooks/worker.ts, deliverDue).
  const inFlight = new Map<string, Promise<void>>();
  const loops = [loop('fan-out', () => fanOutEvents(deps, (event) => processFacts(deps, event), options)), loop('deliveries', () => deliverDue(deps, options, inFlight))];
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops.map((l) => l.stop()));
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
