/**
 * The public v2 API, as reference/stibee-api-v2_openapi.yml publishes it, against what we serve
 * (issue 13, and /emails since issue 15): every path and method is in the route table
 * (shared/routes.ts), and every required request or response property, and every query
 * parameter, is in our OpenAPI document (shared/http/openapi.ts, built from the handlers' zod
 * schemas). Path parameters are compared by position: API Gateway wants one name per position
 * (`{listId}` where the yml says `{id}`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { routes } from '#shared/routes';
import { buildOpenApi } from '#shared/http/openapi';

type Json = Record<string, unknown>;
const root = resolve(import.meta.dirname, '..');
const yml = parse(readFileSync('/work/shared/reference/stibee-api-v2_openapi.yml', 'utf8')) as Json;
const methods = ['get', 'post', 'put', 'delete'] as const;
const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}');

function deref(schema: unknown): Json {
  let s = (schema ?? {}) as Json;
  while (typeof s.$ref === 'string') {
    const name = s.$ref.split('/').pop()!;
    s = ((yml.components as Json).schemas as Json)[name] as Json;
  }
  return s;
}

/** Every required property of a yml schema, as dotted paths (into nested objects and array items). */
function requiredPaths(schema: unknown, prefix = ''): string[] {
  const s = deref(schema);
  if (s.type === 'array') return requiredPaths(s.items, `${prefix}[]`);
  const props = (s.properties ?? {}) as Json;
  const out: string[] = [];
  for (const name of (s.required ?? []) as string[]) out.push(`${prefix}${prefix ? '.' : ''}${name}`);
  for (const [name, sub] of Object.entries(props)) out.push(...requiredPaths(sub, `${prefix}${prefix ? '.' : ''}${name}`));
  return out;
}

/** Our document's components (issue 17: the yml's schemas are components under its names there too). */
let ourSchemas: Json = {};
const derefOurs = (schema: Json | undefined): Json | undefined => {
  let s = schema;
  while (s && typeof s.$ref === 'string') s = ourSchemas[s.$ref.split('/').pop()!] as Json | undefined;
  // A refusal narrows the ErrorResponse component to its codes (allOf [ErrorResponse, {code enum}]).
  if (s && Array.isArray(s.allOf)) return derefOurs(s.allOf[0] as Json);
  return s;
};

/** Whether a dotted path exists as a property in one of our (JSON Schema) schemas. */
function hasPath(schema: Json | undefined, path: string): boolean {
  let s: Json | undefined = derefOurs(schema);
  for (const part of path.split('.')) {
    s = derefOurs(s);
    if (!s) return false;
    let name = part;
    const intoArray = name.endsWith('[]');
    if (name.startsWith('[]')) {
      s = s.items as Json | undefined;
      name = name.slice(2);
      if (!name) continue;
    }
    if (intoArray) name = name.slice(0, -2);
    const props = (s?.properties ?? {}) as Json;
    if (!(name in props)) return false;
    s = props[name] as Json;
    if (intoArray) s = s.items as Json | undefined;
  }
  return true;
}

const publicOperations = Object.entries(yml.paths as Record<string, Json>)
  .flatMap(([path, ops]) => methods.filter((m) => ops[m]).map((m) => ({ path, method: m, op: ops[m] as Json })));

describe('the public v2 API (reference/stibee-api-v2_openapi.yml) is served', () => {
  it('has the public operations this test walks', () => {
    // 24 operations outside /emails and 14 under it; a different count means the yml changed and this test must be read again.
    expect(publicOperations.length).toBe(38);
  });

  it('every path and method is in the route table (and GET /auth-check, which the yml names in its text)', () => {
    const ours = new Set(routes.map((r) => `${r.method} ${shape(r.path)}`));
    const missing = [...publicOperations.map(({ path, method }) => `${method.toUpperCase()} ${shape(`/v2${path}`)}`), 'GET /v2/auth-check'].filter((k) => !ours.has(k));
    expect(missing).toEqual([]);
  });

  it('every required request and response property and every query parameter is in our OpenAPI document', async () => {
    const doc = await buildOpenApi(routes, root);
    ourSchemas = ((doc.components as Json).schemas ?? {}) as Json;
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const byShape = new Map(Object.entries(paths).map(([p, ops]) => [shape(p), ops]));
    const missing: string[] = [];
    for (const { path, method, op } of publicOperations) {
      const where = `${method.toUpperCase()} /v2${path}`;
      const ours = byShape.get(shape(`/v2${path}`))?.[method];
      if (!ours) {
        missing.push(`${where}: no operation`);
        continue;
      }
      const queries = new Set(((ours.parameters ?? []) as Json[]).filter((p) => p.in === 'query').map((p) => p.name as string));
      for (const param of (op.parameters ?? []) as Json[]) {
        const p = typeof param.$ref === 'string' ? (((yml.components as Json).parameters as Json)[param.$ref.split('/').pop()!] as Json) : param;
        if (p.in === 'query' && !queries.has(p.name as string)) missing.push(`${where}: query ${String(p.name)}`);
      }
      const requestTypes = ((op.requestBody as Json | undefined)?.content ?? {}) as Json;
      // An HTML body (POST /emails/{id}/content) is HTML in ours too.
      if (requestTypes['text/html'] && !(((ours.requestBody as Json | undefined)?.content ?? {}) as Json)['text/html']) missing.push(`${where}: text/html request body`);
      const body = ((requestTypes['application/json'] as Json | undefined)?.schema);
      const ourBody = ((((ours.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema) as Json | undefined;
      if (body) {
        if (!ourBody) missing.push(`${where}: request body`);
        for (const prop of requiredPaths(body)) if (!hasPath(ourBody, prop)) missing.push(`${where}: request ${prop}`);
      }
      const ok = ((op.responses as Json)['200'] as Json).content as Json;
      const ourOk = (((ours.responses as Json)['200'] as Json | undefined)?.content ?? {}) as Json;
      if (ok['text/plain']) {
        if (!ourOk['text/plain']) missing.push(`${where}: text ok`);
      } else if (ok['text/html']) {
        if (!ourOk['text/html']) missing.push(`${where}: text/html answer`);
      } else {
        const schema = (ok['application/json'] as Json).schema;
        const ourSchema = (ourOk['application/json'] as Json | undefined)?.schema as Json | undefined;
        if (!ourSchema) missing.push(`${where}: JSON response`);
        if (deref(schema).type === 'array' && derefOurs(ourSchema)?.type !== 'array') missing.push(`${where}: response is an array`);
        for (const prop of requiredPaths(schema)) if (!hasPath(ourSchema, prop)) missing.push(`${where}: response ${prop}`);
      }
      // Issue 17: the 400 answer documents the refusals, in the yml's ErrorResponse shape.
      const errorSchema = (((ours.responses as Json)['400'] as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined;
      for (const prop of ['code', 'httpStatusCode', 'message']) if (!hasPath(errorSchema?.schema as Json, prop)) missing.push(`${where}: error ${prop}`);
    }
    expect(missing).toEqual([]);
  });

  it("issue 17: our operations and schemas carry the yml's names (operationId, request and answer components, ErrorResponse)", async () => {
    const doc = await buildOpenApi(routes, root);
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const byShape = new Map(Object.entries(paths).map(([p, ops]) => [shape(p), ops]));
    const refName = (schema: unknown) => (typeof (schema as Json | undefined)?.$ref === 'string' ? String((schema as Json).$ref).split('/').pop() : undefined);
    const differences: string[] = [];
    for (const { path, method, op } of publicOperations) {
      const where = `${method.toUpperCase()} /v2${path}`;
      const ours = byShape.get(shape(`/v2${path}`))?.[method] as Json | undefined;
      if (ours?.operationId !== op.operationId) differences.push(`${where}: operationId ${String(ours?.operationId)}, the yml's ${String(op.operationId)}`);
      const theirRequest = refName((((op.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema);
      const ourRequest = refName((((ours?.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema);
      if (theirRequest !== ourRequest) differences.push(`${where}: request ${String(ourRequest)}, the yml's ${String(theirRequest)}`);
      const theirAnswer = refName(((((op.responses as Json)['200'] as Json).content as Json | undefined)?.['application/json'] as Json | undefined)?.schema);
      const ourAnswer = refName(((((ours?.responses as Json | undefined)?.['200'] as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema);
      if (theirAnswer && theirAnswer !== ourAnswer) differences.push(`${where}: answer ${String(ourAnswer)}, the yml's ${theirAnswer}`);
    }
    expect(differences).toEqual([]);
    expect(Object.keys((doc.components as Json).schemas as Json)).toContain('ErrorResponse');
  });
});
