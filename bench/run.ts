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
import { benchV1Lookup } from './v1-lookup';
import { benchSends } from './sends';
import { benchSend } from './send';
import { benchQueue } from './queue';

const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  subscribe: benchSubscribe,
  dispatch: benchDispatch,
  import: benchImport,
  // Issue 13: the v2 batch add and the v1 look-up at offset 10,000.
  v2: async () => ({ ...(await benchV2()), v1Lookup: await benchV1Lookup() }),
  // Issue 16: benchmarks measured against their floor in the same run (bench/floor.ts).
  sends: benchSends,
  // Issue 15: a regular email to 10,000 recipients, and the fan-out.
  send: benchSend,
  // Issue 16: queue search at 100,000 pending sends, against one raw Query of a page.
  queue: benchQueue,
};

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
