/** The embedded twin of the AWS events worker: webhook fan-out, automation facts and due deliveries on a short interval. */
import type { Deps } from '#shared/runtime/deps';
import { deliverDue, fanOutEvents, type WorkerOptions } from '#shared/webhooks/worker';
import { logger } from '#shared/logger';
import { processFacts } from '#shared/automations/events';

export function startEmbeddedWorker(deps: Deps, options: WorkerOptions, intervalMs: number) {
  let running: Promise<void> | undefined;
  let stopped = false;
  // Each step isolates its own items (issue 12); a step that fails as a whole (the database
  // unreachable) does not keep the other from running.
  const step = async (name: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      if (!stopped) logger.error(`events worker: ${name}`, { error: error as Error });
    }
  };
  const tick = () => {
    if (running || stopped) return;
    running = (async () => {
      try {
        await step('fan-out', () => fanOutEvents(deps, (event) => processFacts(deps, event), options));
        await step('deliveries', () => deliverDue(deps, options));
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
