/**
 * `npm run bench -- <name>`: benchmarks against the embedded default (DynamoDB Local + the
 * local server), printing figures and writing them to bench/results/<name>.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchSubscribe } from './subscribe';
import { benchDispatch } from './dispatch';
import { benchImport } from './import';
import { benchV2 } from './v2';
import { benchSend } from './send';

const benches: Record<string, () => Promise<Record<string, unknown>>> = { subscribe: benchSubscribe, dispatch: benchDispatch, import: benchImport, v2: benchV2, send: benchSend };

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = names.length ? names : Object.keys(benches);
for (const name of selected) {
  const bench = benches[name];
  if (!bench) {
    process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}\n`);
    process.exit(2);
  }
  const figures = await bench();
  const result = {
    benchmark: name,
    at: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    figures,
  };
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
process.exit(0);
