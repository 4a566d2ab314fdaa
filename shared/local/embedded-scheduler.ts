/**
 * The local twin of EventBridge Scheduler (SPEC A8): named one-time and daily entries, checked a
 * few times a second against the runtime's clock (so tests can move time), kept in a JSON file
 * so a restart of `npm start` loses none. Entries run one at a time, like a reserved-concurrency-1
 * dispatcher; a one-time entry is removed once it ran, as `ActionAfterCompletion: DELETE` does.
 */
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import type { Clock } from '#shared/ports/clock';
import type { ScheduledEvent, Scheduler } from '#shared/ports/scheduler';
import { instantOf, addWallMinutes, wallOf } from '#shared/automations/time';
import { logger } from '#shared/logger';
import { isStoreOutage } from '#shared/http/errors';

interface Entry {
  name: string;
  dueAt: number;
  event: ScheduledEvent;
  daily?: { time: string; timeZone: string };
}

export interface EmbeddedScheduler extends Scheduler {
  /** Fires every entry that is due now (the interval does this on its own). */
  runDue(): Promise<void>;
  entries(): readonly Entry[];
  stop(): Promise<void>;
}

function nextDaily(after: number, time: string, timeZone: string): number {
  const [h, mi] = time.split(':').map(Number) as [number, number];
  const today = { ...wallOf(new Date(after), timeZone), h, mi };
  let at = instantOf(today, timeZone).getTime();
  if (at <= after) at = instantOf(addWallMinutes(today, 1440), timeZone).getTime();
  return at;
}

export function startEmbeddedScheduler(options: {
  clock: Clock;
  run: (event: ScheduledEvent) => Promise<unknown>;
  file?: string;
  intervalMs?: number;
  /** No tick while true (issue 12: the database is down or the disk full). */
  paused?: () => boolean;
}): EmbeddedScheduler {
  const entries = new Map<string, Entry>();
  if (options.file && existsSync(options.file)) {
    for (const e of JSON.parse(readFileSync(options.file, 'utf8')) as Entry[]) entries.set(e.name, e);
  }
  const save = () => {
    if (!options.file) return;
    writeFileSync(`${options.file}.tmp`, JSON.stringify([...entries.values()]));
    renameSync(`${options.file}.tmp`, options.file);
  };
  let running: Promise<void> | undefined;
  let stopped = false;

  const runDue = async (): Promise<void> => {
    while (running) await running;
    running = (async () => {
      const now = options.clock.now().getTime();
      const due = [...entries.values()].filter((e) => e.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
      for (const entry of due) {
        if (stopped) return;
        try {
          await options.run(entry.event);
        } catch (error) {
          // Scheduler retries a failed invocation; so does this, on the next tick.
          if (!isStoreOutage(error)) logger.error('scheduled dispatch failed', { entry: entry.name, error: error as Error });
          continue;
        }
        if (entries.get(entry.name) !== entry) continue;
        if (entry.daily) entries.set(entry.name, { ...entry, dueAt: nextDaily(now, entry.daily.time, entry.daily.timeZone) });
        else entries.delete(entry.name);
        save();
      }
    })();
    try {
      await running;
    } finally {
      running = undefined;
    }
  };

  const timer = setInterval(() => {
    if (!running && !stopped && !options.paused?.()) void runDue();
  }, options.intervalMs ?? 200);
  timer.unref();

  return {
    async at(name, at, event) {
      if (!entries.has(name)) {
        entries.set(name, { name, dueAt: at.getTime(), event });
        save();
      }
    },
    async daily(name, time, timeZone, event) {
      entries.set(name, { name, dueAt: nextDaily(options.clock.now().getTime(), time, timeZone), event, daily: { time, timeZone } });
      save();
    },
    async remove(name) {
      if (entries.delete(name)) save();
    },
    runDue,
    entries: () => [...entries.values()],
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
