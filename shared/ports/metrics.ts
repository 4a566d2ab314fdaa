import type { MetricDimensions, MetricName } from '#shared/metrics/names';

/**
 * Business metrics (issue 17). In AWS each figure is an EMF line on stdout (Powertools Metrics,
 * shared/adapters/emf-metrics.ts) that CloudWatch turns into a metric; locally the figures are
 * summed in memory and kept in the data dir (shared/adapters/local-metrics.ts) for
 * `npm run admin -- stats`. Adding never throws: a figure is never worth a failed send.
 */
export interface Metrics {
  add<N extends MetricName>(name: N, value: number, dimensions: MetricDimensions<N>): void;
}

/** A figure whose dimensions are all fixed by the name. */
export const noDimensions = {} as Record<never, string>;

/** For code paths that count nothing (tools, tests that do not read figures). */
export const discardMetrics: Metrics = { add: () => undefined };
