/**
 * Issue 17: the interactive API documentation at /docs is Swagger UI from the pinned
 * `swagger-ui-dist` package, served by the API itself (no CDN at run time). Its two files are
 * copied next to the docs-asset Lambda's bundle at synth time (the route's bundleFiles) and
 * read from node_modules by the local server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DOCS_ASSETS } from './docs-asset-names';

export { DOCS_ASSETS } from './docs-asset-names';

const cache = new Map<string, Buffer>();

/** The asset's bytes, or undefined for a name that is not one of them. */
export function readDocsAsset(name: string): Buffer | undefined {
  if (!Object.hasOwn(DOCS_ASSETS, name)) return undefined;
  const cached = cache.get(name);
  if (cached) return cached;
  // In a Lambda bundle the file sits beside index.mjs; locally it is in node_modules.
  const beside = join(dirname(fileURLToPath(import.meta.url)), name);
  const path = existsSync(beside) ? beside : createRequire(import.meta.url).resolve(`swagger-ui-dist/${name}`);
  const bytes = readFileSync(path);
  cache.set(name, bytes);
  return bytes;
}

/** Where the API sits under the host: the stage in AWS (`/prod`), nothing locally or on a custom domain. */
export function basePathOf(event: { path?: string; requestContext?: { path?: string } | null }, suffix: RegExp): string {
  const path = event.requestContext?.path ?? event.path ?? '';
  return path.replace(suffix, '');
}
