/**
 * The local metrics adapter (issue 17): the same figures as the EMF lines in AWS, summed in
 * memory per metric and dimensions, and written to `<data dir>/metrics.json` (at most once a
 * second, and at close) where `npm run admin -- stats` reads them, also while `npm start` runs.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { metricCatalog, type MetricName } from '#shared/metrics/names';
import type { Metrics } from '#shared/ports/metrics';

export const METRICS_FILE = 'metrics.json';

export interface MetricFigure {
  name: MetricName;
  dimensions: Record<string, string>;
  unit: string;
  /** The sum of the values added. */
  sum: number;
  /** How many times a value was added (for durations: how many were measured). */
  samples: number;
  max: number;
}

export interface LocalMetricsFile {
  since: string;
  updatedAt: string;
  figures: MetricFigure[];
}

export interface LocalMetrics extends Metrics {
  snapshot(): MetricFigure[];
  /** The sum of one metric over all its dimensions (or those matching `where`). */
  total(name: MetricName, where?: Record<string, string>): number;
  /** Writes the file now (the runtime's close). */
  flush(): void;
  close(): void;
}

const keyOf = (name: string, dimensions: Record<string, string>) => `${name}|${JSON.stringify(Object.entries(dimensions).sort())}`;

export function createLocalMetrics(options: { file?: string; now?: () => Date; flushIntervalMs?: number } = {}): LocalMetrics {
  const now = options.now ?? (() => new Date());
  const figures = new Map<string, MetricFigure>();
  let since = now().toISOString();
  // Figures of an earlier `npm start` on the same data dir go on adding up.
  if (options.file && existsSync(options.file)) {
    try {
      const previous = JSON.parse(readFileSync(options.file, 'utf8')) as LocalMetricsFile;
      since = previous.since;
      for (const f of previous.figures) if (Object.hasOwn(metricCatalog, f.name)) figures.set(keyOf(f.name, f.dimensions), f);
    } catch {
      // An unreadable file (a crash mid-write predates the rename) starts the figures afresh.
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!options.file) return;
    const body: LocalMetricsFile = { since, updatedAt: now().toISOString(), figures: [...figures.values()] };
    try {
      mkdirSync(dirname(options.file), { recursive: true });
      const tmp = `${options.file}.tmp`;
      writeFileSync(tmp, JSON.stringify(body, null, 1));
      renameSync(tmp, options.file);
    } catch {
      // A full disk loses figures, never a request.
    }
  };
  return {
    add(name: MetricName, value: number, dimensions: Record<string, string>) {
      if (!(value > 0)) return;
      const dims = Object.fromEntries(metricCatalog[name].dimensions.map((d) => [d, dimensions[d] || 'none']));
      const key = keyOf(name, dims);
      const figure = figures.get(key) ?? { name, dimensions: dims, unit: metricCatalog[name].unit, sum: 0, samples: 0, max: 0 };
      figure.sum += value;
      figure.samples += 1;
      figure.max = Math.max(figure.max, value);
      figures.set(key, figure);
      if (options.file && !timer) timer = setTimeout(flush, options.flushIntervalMs ?? 1000).unref();
    },
    snapshot: () => [...figures.values()].map((f) => ({ ...f, dimensions: { ...f.dimensions } })),
    total: (name, where = {}) =>
      [...figures.values()].filter((f) => f.name === name && Object.entries(where).every(([k, v]) => f.dimensions[k] === v)).reduce((sum, f) => sum + f.sum, 0),
    flush,
    close: flush,
  };
}

export const localMetricsFile = (dataDir: string) => join(dataDir, METRICS_FILE);

export function readLocalMetrics(dataDir: string): LocalMetricsFile | undefined {
  const file = localMetricsFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LocalMetricsFile) : undefined;
}
