/** `npm run openapi`: regenerates docs/openapi.json from the route table and handler schemas. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { routes } from '#shared/routes';
import { buildOpenApi } from './openapi';

const root = resolve(import.meta.dirname, '..', '..');
const doc = await buildOpenApi(routes, root);
writeFileSync(resolve(root, 'docs/openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
process.stdout.write(`docs/openapi.json: ${Object.keys(doc.paths as object).length} paths\n`);
process.exit(0);
