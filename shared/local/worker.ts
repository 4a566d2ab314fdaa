/** The embedded twin of the AWS events worker: webhook fan-out, automation facts and due deliveries on a short interval. */
import type { Deps } from '#shared/runtime/deps';
import { deliverDue, fanOutEvents, type WorkerOptions } from '#shared/webhooks/worker';
import { logger } from '#shared/logger';
import { processFacts } from '#shared/automations/events';

/** `paused`: the store guard's (issue 12): no tick while the database is down or the disk full. */
export function startEmbeddedWorker(deps: Deps, options: WorkerOptions, intervalMs: number, paused: () => boolean = () => false) {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped || paused()) return;
    running = (async () => {
      try {
        await fanOutEvents(deps, (event) => processFacts(deps, event));
        await deliverDue(deps, options);
      } catch (error) {
        if (!stopped) logger.error('webhook worker', { error: error as Error });
      } finally {
        running = undefined;
      }
    })();
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
