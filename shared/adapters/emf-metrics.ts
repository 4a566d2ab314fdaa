/**
 * The AWS metrics adapter (issue 17): every figure is written at once as one EMF line through
 * Powertools Metrics, with its own dimensions (a single-metric flush), so nothing waits for the
 * end of an invocation that a crash or a timeout may never reach. Call sites add whole pages'
 * figures at a time, so this is a line per page, not per recipient.
 */
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { metricCatalog, METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from '#shared/metrics/names';
import type { Metrics } from '#shared/ports/metrics';
import { logger } from '#shared/logger';

const units = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds } as const;

export function createEmfMetrics(options: { namespace?: string; service?: string } = {}): Metrics {
  const root = new PowertoolsMetrics({ namespace: options.namespace ?? METRICS_NAMESPACE, serviceName: options.service ?? METRICS_SERVICE });
  return {
    add(name: MetricName, value: number, dimensions: Record<string, string>) {
      if (!(value > 0)) return;
      try {
        const single = root.singleMetric();
        for (const dimension of metricCatalog[name].dimensions) single.addDimension(dimension, dimensions[dimension] || 'none');
        single.addMetric(name, units[metricCatalog[name].unit], value);
      } catch (error) {
        logger.warn('metric not written', { metric: name, error: error as Error });
      }
    },
  };
}
