/**
 * Builds the OpenAPI 3.1 document from the route table and each handler's zod schemas, so the
 * documentation cannot drift from what the handlers accept. `npm run openapi` writes it to
 * docs/openapi.json, which the /docs endpoints serve; a test keeps the file current.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { RouteDefinition } from '#shared/routes';
import type { ApiHandler } from './api-handler';
import { errorCatalog } from './errors';
import { isA3a, versionOf } from './conventions/index';
import { v2ErrorResponse } from './v2-schemas';

type Json = Record<string, unknown>;

const schemaOf = (schema: z.ZodType): Json =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;

function parametersOf(where: 'path' | 'query', schema: z.ZodType | undefined, names: string[]): Json[] {
  const json = schema ? schemaOf(schema) : { properties: {} };
  const props = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  const keys = where === 'path' ? names : Object.keys(props);
  return keys.map((name) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: props[name] ?? { type: 'string' },
  }));
}

const envelope = (value: Json = {}): Json => ({
  type: 'object',
  required: ['Ok', 'Error', 'Value'],
  properties: {
    Ok: { type: 'boolean' },
    Error: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          properties: { Code: { type: 'string', enum: Object.keys(errorCatalog) }, HttpStatusCode: { type: 'integer' }, Message: { type: 'string' } },
        },
      ],
    },
    Value: value,
  },
});

/** v2 answers (issue 13): the handler's declared result as bare JSON, or text `ok`; refusals `{code, httpStatusCode, message}`. */
/** The automated-email API's text answers (shared/http/conventions/a3a.ts); its other refusals are in the envelope. */
function a3aResponses(): Json {
  return {
    '200': { description: 'Accepted: the text `ok`', content: { 'text/plain': { schema: { type: 'string', const: 'ok' } } } },
    '400': { description: 'Not a subscribed member of the list: `구독자 상태를 파악할 수 없습니다.`; a malformed request: the envelope', content: { 'text/plain': { schema: { type: 'string' } } } },
    default: { description: 'An error in the envelope', content: { 'application/json': { schema: envelope({ type: 'null' }) } } },
  };
}

function v2Responses(response: z.ZodType | undefined, html = false): Json {
  const schema = response ? schemaOf(response) : {};
  const text = schema.const === 'ok';
  return {
    '200': html
      ? { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } }
      : {
          description: text ? 'The text `ok`' : 'The result as bare JSON',
          content: text ? { 'text/plain': { schema: { type: 'string', const: 'ok' } } } : { 'application/json': { schema } },
        },
    default: {
      description: 'A refusal: `stberror.Errors.<Area>.<Name>`, HTTP 400 (401 for a missing or bad key, 413, 429, 5xx)',
      content: { 'application/json': { schema: schemaOf(v2ErrorResponse) } },
    },
  };
}

export async function buildOpenApi(routes: readonly RouteDefinition[], repoRoot: string): Promise<Json> {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const mod = (await import(pathToFileURL(resolve(repoRoot, route.entry)).href)) as { handler: ApiHandler };
    const contract = mod.handler.contract ?? {};
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const operation: Json = {
      operationId: route.id,
      summary: route.summary,
      description: `SPEC ${route.spec.join(', ')}`,
      tags: [route.path.split('/')[1] ?? ''],
      parameters: [...parametersOf('path', contract.params, names), ...parametersOf('query', contract.query, [])],
      ...(route.auth === 'apiKey' ? { security: [{ AccessToken: [] }] } : { security: [] }),
      ...(contract.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(contract.body) } } } } : {}),
      ...(contract.html?.request ? { requestBody: { required: true, content: { 'text/html': { schema: { type: 'string' } } } } } : {}),
      responses:
        route.auth === 'public'
          ? { '200': { description: 'An HTML page', content: { 'text/html': {} } } }
          : versionOf(route.path) === 'v2'
            ? v2Responses(contract.response, contract.html?.response)
            : isA3a(route.path)
              ? a3aResponses()
              : {
                '200': { description: 'The envelope with the result in Value', content: { 'application/json': { schema: envelope() } } },
                default: { description: 'An error in the envelope', content: { 'application/json': { schema: envelope({ type: 'null' }) } } },
              },
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Newsletter backend API',
      version: '1',
      description: 'Address-book API compatible with Stibee v1 (the `{Ok, Error, Value}` envelope) and the public v2 API (bare JSON, text `ok`, `{code, httpStatusCode, message}`). See docs/api.md for rules and examples.',
    },
    servers: [{ url: 'http://127.0.0.1:3000' }],
    components: { securitySchemes: { AccessToken: { type: 'apiKey', in: 'header', name: 'AccessToken' } } },
    paths,
  };
}
