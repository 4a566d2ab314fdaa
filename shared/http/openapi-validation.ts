/**
 * Checks an answer against the OpenAPI document (issue 17): its status is one the operation
 * documents, its media type one that status documents, and a JSON body validates against that
 * schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses). The typed client's `validating`
 * middleware runs it on every answer, so a test, the smoke test or a benchmark that calls the
 * server through the client fails when the server and the document disagree.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Middleware } from 'openapi-fetch';

type Json = Record<string, unknown>;

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

const rewriteRefs = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/components/') ? `openapi-components${v}` : rewriteRefs(v)]),
  );
};

export function responseChecker(doc: Json) {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
  ajv.addSchema({ components: (doc as { components?: unknown }).components ?? {} }, 'openapi-components');
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  // The route table lists static segments before `{param}` siblings, and the document keeps its order.
  const templates = Object.keys(paths).map((p) => ({ path: p, regex: new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}/?$`) }));
  const compiled = new Map<string, ValidateFunction>();

  const operationOf = (method: string, pathOrTemplate: string): { path: string; op: Operation } | undefined => {
    const m = method.toLowerCase();
    if (paths[pathOrTemplate]?.[m]) return { path: pathOrTemplate, op: paths[pathOrTemplate][m]! };
    const bare = pathOrTemplate.split('?')[0]!;
    const t = templates.find((t) => t.regex.test(bare) && paths[t.path]?.[m]);
    return t ? { path: t.path, op: paths[t.path]![m]! } : undefined;
  };

  /** A description of how the answer differs from the document, or undefined when it matches. */
  return async (method: string, pathOrTemplate: string, response: Response): Promise<string | undefined> => {
    const where = `${method.toUpperCase()} ${pathOrTemplate} → ${response.status}`;
    const found = operationOf(method, pathOrTemplate);
    if (!found) return `${where}: no such operation in the document`;
    const documented = found.op.responses?.[String(response.status)];
    if (!documented) return `${where}: status not documented (documented: ${Object.keys(found.op.responses ?? {}).join(', ')})`;
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = documented.content?.[mediaType];
    if (!documented.content) return undefined;
    if (!media) return `${where}: ${mediaType || 'no content type'} not documented (documented: ${Object.keys(documented.content).join(', ')})`;
    if (!media.schema) return undefined;
    const text = await response.text();
    let value: unknown = text;
    if (mediaType === 'application/json') {
      try {
        value = JSON.parse(text);
      } catch {
        return `${where}: not JSON: ${text.slice(0, 80)}`;
      }
    }
    const key = `${found.path} ${method.toLowerCase()} ${response.status} ${mediaType}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(rewriteRefs(media.schema) as Json);
      compiled.set(key, validate);
    }
    if (validate(value)) return undefined;
    return `${where}: the answer does not match the documented schema: ${ajv.errorsText(validate.errors)}; body ${text.slice(0, 300)}`;
  };
}

/** openapi-fetch middleware: every answer is checked against the document; a mismatch rejects the call. */
export function validating(doc: Json): Middleware {
  const check = responseChecker(doc);
  return {
    async onResponse({ request, response, schemaPath }) {
      const problem = await check(request.method, schemaPath, response.clone());
      if (problem) throw new Error(`OpenAPI drift: ${problem}`);
      return undefined;
    },
  };
}
