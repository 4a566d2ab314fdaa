import type { LocalMetricsFile } from '#shared/adapters/local-metrics';
import { metricCatalog, metricNames } from '#shared/metrics/names';

/** `npm run admin -- stats`: one line per metric and dimensions, in the catalog's order (issue 17). */
export function formatStats(file: LocalMetricsFile): string {
  const lines = [`figures since ${file.since} (updated ${file.updatedAt})`];
  for (const name of metricNames) {
    const figures = file.figures.filter((f) => f.name === name);
    if (!figures.length) {
      lines.push(`${name.padEnd(22)} 0`);
      continue;
    }
    for (const f of figures) {
      const dims = Object.entries(f.dimensions).map(([k, v]) => `${k}=${v}`).join(' ');
      const value = metricCatalog[name].unit === 'Milliseconds' ? `avg ${Math.round(f.sum / Math.max(f.samples, 1))} ms, max ${f.max} ms (${f.samples})` : String(f.sum);
      lines.push(`${name.padEnd(22)} ${value}${dims ? `  ${dims}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
