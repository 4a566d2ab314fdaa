/**
 * Which error codes an operation can answer (issue 17), derived from the code rather than a hand
 * list that drifts: every ApiError code named in the source files the route's handler reaches
 * through static imports (its own module, the domain modules it calls, api-handler and its
 * middlewares), plus what the route table says the platform adds in front of it (the AccessToken
 * check and the 10/s throttle, A3a's 3/s, the per-IP throttle of public routes, the local store
 * guard's refusals where the function touches the table).
 *
 * It over-approximates on purpose: a code named in a module the handler imports is listed even
 * where this operation's path through that module never throws it. A documented refusal that
 * never comes is harmless to a caller; an undocumented one is the defect issue 17 names.
 * Adapters reached only at run time (through the Deps ports) are not scanned; their failures
 * answer INTERNAL_ERROR or the store guard's codes, which every route lists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { throttledPerIp, type RouteDefinition } from '#shared/routes';
import { errorCatalog, type ErrorCode } from './errors';

/** Files that name every code (the catalog, the version conventions, this generator): scanning them would list all. */
const catalogFiles = [/^shared\/http\/errors\.ts$/, /^shared\/http\/conventions\//, /^shared\/http\/openapi[^/]*\.ts$/];

const staticImport = /(?:^|[\n;])\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/g;
const codeLiteral = /['"]([A-Z][A-Z0-9_]{2,})['"]/g;

const withoutComments = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"\w])\/\/.*$/gm, '$1');

function resolveImport(repoRoot: string, from: string, spec: string): string | undefined {
  let base: string;
  if (spec.startsWith('#shared/')) base = resolve(repoRoot, 'shared', spec.slice('#shared/'.length));
  else if (spec.startsWith('.')) base = resolve(dirname(from), spec);
  else return undefined; // a package
  const stem = base.replace(/\.(m?js|ts)$/, '');
  return [`${stem}.ts`, resolve(stem, 'index.ts')].find((f) => existsSync(f));
}

const cache = new Map<string, { imports: string[]; codes: ErrorCode[] }>();

function scanFile(repoRoot: string, file: string): { imports: string[]; codes: ErrorCode[] } {
  const known = cache.get(file);
  if (known) return known;
  const source = withoutComments(readFileSync(file, 'utf8'));
  const imports: string[] = [];
  for (const m of source.matchAll(staticImport)) {
    if (m[1]) continue; // `import type`: erased, runs nothing
    const target = resolveImport(repoRoot, file, m[2]!);
    if (target) imports.push(target);
  }
  const rel = relative(repoRoot, file);
  const codes = catalogFiles.some((p) => p.test(rel))
    ? []
    : [...new Set([...source.matchAll(codeLiteral)].map((m) => m[1]!).filter((c): c is ErrorCode => Object.hasOwn(errorCatalog, c)))];
  const scanned = { imports, codes };
  cache.set(file, scanned);
  return scanned;
}

/** The codes named in the handler's static import graph. */
export function codesInHandler(repoRoot: string, entry: string): Set<ErrorCode> {
  const seen = new Set<string>();
  const codes = new Set<ErrorCode>();
  const queue = [resolve(repoRoot, entry)];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const scanned = scanFile(repoRoot, file);
    scanned.codes.forEach((c) => codes.add(c));
    queue.push(...scanned.imports);
  }
  return codes;
}

/** Every code the operation can answer, sorted as the catalog lists them. */
export function errorCodesOf(route: RouteDefinition, repoRoot: string): ErrorCode[] {
  const codes = codesInHandler(repoRoot, route.entry);
  // Every handler can fail unexpectedly (INTERNAL_ERROR) and reaches api-handler's middlewares.
  codes.add('INTERNAL_ERROR');
  if (route.auth === 'apiKey') {
    codes.add('UNAUTHORIZED');
    codes.add('TOO_MANY_REQUESTS');
  } else {
    // api-handler refuses a missing workspace only on authenticated routes.
    codes.delete('UNAUTHORIZED');
  }
  if (route.throttle) codes.add('AUTOMATION_API_RATE');
  if (throttledPerIp(route)) codes.add('PUBLIC_RATE_LIMITED');
  // The local store guard (shared/local/store-guard.ts) refuses while the database is down, and writes while the disk is full.
  if (route.access !== 'none') codes.add('DATABASE_UNAVAILABLE');
  if (route.access === 'RW') codes.add('STORAGE_FULL');
  return (Object.keys(errorCatalog) as ErrorCode[]).filter((c) => codes.has(c));
}
