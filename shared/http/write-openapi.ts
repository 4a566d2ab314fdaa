/** `npm run openapi`: regenerates docs/openapi.json and the typed client's client/schema.d.ts from the route table and handler schemas. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { routes } from '#shared/routes';
import { buildOpenApi } from './openapi';
import { typesOf } from './openapi-types';

const root = resolve(import.meta.dirname, '..', '..');
const doc = await buildOpenApi(routes, root);
writeFileSync(resolve(root, 'docs/openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
writeFileSync(resolve(root, 'client/schema.d.ts'), await typesOf(doc));
process.stdout.write(`docs/openapi.json: ${Object.keys(doc.paths as object).length} paths; client/schema.d.ts\n`);
process.exit(0);
