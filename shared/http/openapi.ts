/**
 * Builds the OpenAPI 3.1 document from the route table and each handler's zod schemas, so the
 * documentation cannot drift from what the handlers accept. `npm run openapi` writes it to
 * docs/openapi.json, which the /docs endpoints serve, and the typed client's types from it
 * (client/schema.d.ts); tests keep both current (test/docs.test.ts, test/i17-openapi.test.ts).
 *
 * Issue 17: every operation documents its success and its refusals in its version's shape. The
 * refusals are not written by hand: the codes come from the handler's code (./openapi-errors.ts)
 * and each one's HTTP status, content type and body are what the version's convention
 * (./conventions) answers for it, so the examples are the server's own bytes.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { RouteDefinition } from '#shared/routes';
import type { ApiHandler } from './api-handler';
import { ApiError, errorCatalog, type ErrorCode } from './errors';
import { conventionOf, isA3a, versionOf, type RequestFacts } from './conventions/index';
import { v2ErrorResponse } from './v2-schemas';
import { errorCodesOf } from './openapi-errors';
import { publishedNames, v2ErrorSchemaName } from './openapi-names';
import { operationExamples, type Examples } from './openapi-examples';

type Json = Record<string, unknown>;
/** The handler's spec as apiHandler keeps it (its success status too, which the contract type leaves out). */
type Contract = NonNullable<ApiHandler['contract']> & { readonly successStatus?: number };

/** Subschemas named with `.meta({ id })` (v1's subscribe row): one component each, referenced from every use. */
const namedSchemas: Record<string, Json> = {};
const toComponentRefs = <T>(json: T): T => JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/')) as T;
const jsonSchemaOf = (schema: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _dialect, $defs, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  if (!$defs) return json;
  Object.assign(namedSchemas, toComponentRefs($defs));
  return toComponentRefs(json);
};
/** What a request may send: the input side of a schema. */
const schemaOf = (schema: z.ZodType): Json => jsonSchemaOf(schema, 'input');
/** What a success answers: the handler's output, so the output side of each schema. */
const outputSchemaOf = (schema: z.ZodType): Json => jsonSchemaOf(schema, 'output');
const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

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

/** v1's success envelope (SPEC L9). */
const v1Success = (value: Json = {}): Json => ({
  type: 'object',
  required: ['Ok', 'Error', 'Value'],
  properties: { Ok: { const: true }, Error: { type: 'null' }, Value: value },
});

/** v1's refusal envelope, with the codes this answer can carry. */
const v1Refusal = (codes?: readonly string[]): Json => ({
  type: 'object',
  required: ['Ok', 'Error', 'Value'],
  properties: {
    Ok: { const: false },
    Error: {
      type: 'object',
      required: ['Code', 'HttpStatusCode', 'Message'],
      properties: { Code: codes ? { type: 'string', enum: [...codes] } : { type: 'string' }, HttpStatusCode: { type: 'integer' }, Message: { type: 'string' } },
    },
    Value: { type: 'null' },
  },
});

/** v2's error object (the yml's ErrorResponse), with the codes this answer can carry. */
const v2Refusal = (codes?: readonly string[]): Json =>
  codes ? { allOf: [ref(v2ErrorSchemaName), { type: 'object', properties: { code: { type: 'string', enum: [...codes] } } }] } : ref(v2ErrorSchemaName);

interface Refusal {
  readonly code: ErrorCode;
  readonly status: number;
  readonly mediaType: 'application/json' | 'text/plain';
  readonly body: unknown;
}

/** What the route's convention answers for each code: the server's own status, type and bytes. */
function refusalsOf(route: RouteDefinition, codes: readonly ErrorCode[]): Refusal[] {
  const facts: RequestFacts = { path: route.path, method: route.method, authenticated: route.auth === 'apiKey' };
  const convention = conventionOf(route.path);
  return codes.map((code) => {
    const answer = convention.error(new ApiError(code), facts);
    const type = String(answer.headers?.['Content-Type'] ?? 'application/json');
    const text = type.startsWith('text/plain');
    return { code, status: answer.statusCode, mediaType: text ? 'text/plain' : 'application/json', body: text ? answer.body : (JSON.parse(answer.body) as unknown) };
  });
}

interface Media {
  schemas: Json[];
  examples: Examples;
}
type Answers = Map<number, { descriptions: string[]; content: Map<string, Media> }>;

function add(answers: Answers, status: number, mediaType: string, description: string, schema: Json | undefined, examples: Examples = {}) {
  const answer = answers.get(status) ?? { descriptions: [], content: new Map<string, Media>() };
  answers.set(status, answer);
  if (!answer.descriptions.includes(description)) answer.descriptions.push(description);
  const media = answer.content.get(mediaType) ?? { schemas: [], examples: {} };
  answer.content.set(mediaType, media);
  if (schema) media.schemas.push(schema);
  Object.assign(media.examples, examples);
}

/** The code as the answer names it: v1's own code, v2's `stberror.Errors.*`; text answers have none. */
const codeInBody = (refusal: Refusal): string | undefined => {
  const body = refusal.body as { code?: string; Error?: { Code?: string } };
  return typeof refusal.body === 'string' ? undefined : (body.code ?? body.Error?.Code);
};

/**
 * Each refusal's body is the same wherever it is answered (only the HTTP status differs), so its
 * example is written once under components/examples and referenced by every operation.
 */
function addRefusals(answers: Answers, route: RouteDefinition, refusals: readonly Refusal[], shared: Record<string, Json>) {
  const v2 = versionOf(route.path) === 'v2';
  const groups = new Map<string, Refusal[]>();
  for (const r of refusals) groups.set(`${r.status} ${r.mediaType}`, [...(groups.get(`${r.status} ${r.mediaType}`) ?? []), r]);
  for (const group of groups.values()) {
    const { status, mediaType } = group[0]!;
    const named = [...new Set(group.map(codeInBody).filter((c): c is string => c !== undefined))];
    const schema =
      mediaType === 'text/plain' ? { type: 'string', enum: [...new Set(group.map((r) => r.body as string))] } : v2 ? v2Refusal(named) : v1Refusal(named);
    const examples = Object.fromEntries(
      group.map((r) => {
        const name = `${mediaType === 'text/plain' ? 'text' : v2 ? 'v2' : 'v1'}.${r.code}`;
        shared[name] ??= { summary: v2 ? `${r.code} → ${codeInBody(r)}` : `${r.code}: ${errorCatalog[r.code].message}`, value: r.body };
        return [r.code, { $ref: `#/components/examples/${name}` }];
      }),
    );
    const description =
      status === 200
        ? `Refused in the envelope of an HTTP 200 (\`Ok: false\`; docs/api.md "Envelope and errors"): ${group.map((r) => r.code).join(', ')}`
        : `Refused: ${group.map((r) => (v2 && mediaType === 'application/json' ? `${codeInBody(r)} (${r.code})` : r.code)).join(', ')}`;
    add(answers, status, mediaType, description, schema, examples);
  }
}

/** Public routes answer pages, redirects, images or text rather than the version's JSON. */
const publicAnswers: Readonly<Record<string, readonly { status: number; mediaType?: string; description: string }[]>> = {
  'tracking-open': [{ status: 200, mediaType: 'image/gif', description: 'A 1×1 transparent GIF' }],
  'tracking-click': [{ status: 302, description: 'A redirect to the link of the email (Location)' }, { status: 400, mediaType: 'text/html', description: 'A page: the link is not valid' }],
  'integrations-start': [{ status: 302, description: "A redirect to the provider's authorize page, with the flow bound to this browser (cookie)" }],
  'ses-notifications': [{ status: 200, mediaType: 'text/plain', description: 'What was done: subscribed, ignored or the event kind' }, { status: 403, mediaType: 'text/plain', description: 'The SNS signature or the topic was refused' }],
  'subscriptions-unsubscribe-one-click': [{ status: 200, mediaType: 'text/plain', description: 'Unsubscribed (RFC 8058)' }],
  'docs-openapi': [{ status: 200, mediaType: 'application/json', description: 'This document' }],
  'docs-asset': [{ status: 200, mediaType: 'text/javascript', description: 'The script (or text/css: the style sheet)' }],
  'forms-submit': [
    { status: 200, mediaType: 'text/html', description: 'A page: subscribed, or the confirmation email sent' },
    { status: 400, mediaType: 'text/html', description: 'The form again, with the error announced' },
  ],
};

function successesOf(route: RouteDefinition, contract: Contract, examples: Examples): Answers {
  const answers: Answers = new Map();
  const names = publishedNames[route.id];
  const statuses = [contract.successStatus ?? 200, ...(names?.alsoSucceedsWith ?? [])];
  if (route.auth === 'public') {
    for (const a of publicAnswers[route.id] ?? [{ status: 200, mediaType: 'text/html', description: 'An HTML page' }]) {
      add(answers, a.status, a.mediaType ?? '', a.description, a.mediaType === 'text/html' ? { type: 'string' } : undefined);
    }
    // A script posting the form for JSON gets the v1 envelope (functions/forms-submit).
    if (route.id === 'forms-submit') add(answers, 200, 'application/json', 'With `Accept: application/json`: the envelope', v1Success());
    return answers;
  }
  const result = contract.response ? (names?.response ? ref(names.response) : outputSchemaOf(contract.response)) : undefined;
  for (const status of statuses) {
    if (isA3a(route.path)) add(answers, status, 'text/plain', 'Accepted: the text `ok`', { type: 'string', const: 'ok' }, { ok: { value: 'ok' } });
    else if (versionOf(route.path) === 'v1') add(answers, status, 'application/json', 'The envelope with the result in Value', v1Success(result), examples);
    else if (contract.html?.response) add(answers, status, 'text/html', 'The HTML', { type: 'string' });
    else if (contract.response && schemaOf(contract.response).const === 'ok') add(answers, status, 'text/plain', 'Done: the text `ok`', { type: 'string', const: 'ok' }, { ok: { value: 'ok' } });
    else add(answers, status, 'application/json', 'The result as bare JSON', result ?? {}, examples);
  }
  return answers;
}

function responsesOf(answers: Answers, v2: boolean): Json {
  const out: Json = {};
  for (const [status, answer] of [...answers].sort(([a], [b]) => a - b)) {
    const content: Json = {};
    for (const [mediaType, media] of answer.content) {
      if (!mediaType) continue;
      const schema = media.schemas.length > 1 ? { oneOf: media.schemas } : media.schemas[0];
      content[mediaType] = { ...(schema ? { schema } : {}), ...(Object.keys(media.examples).length ? { examples: media.examples } : {}) };
    }
    out[String(status)] = { description: answer.descriptions.join('. '), ...(Object.keys(content).length ? { content } : {}) };
  }
  // What API Gateway itself may answer (a 502 or 504 of its own), in the version's shape.
  out.default = {
    description: 'Any other failure, in the version\'s error shape',
    content: { 'application/json': { schema: v2 ? v2Refusal() : v1Refusal() } },
  };
  return out;
}

function requestBodyOf(route: RouteDefinition, contract: Contract, examples: Examples): Json | undefined {
  const names = publishedNames[route.id];
  if (contract.html?.request) return { required: true, content: { 'text/html': { schema: { type: 'string' } } } };
  if (!contract.body) return undefined;
  const schema = names?.request ? ref(names.request) : schemaOf(contract.body);
  return { required: true, content: { 'application/json': { schema, ...(Object.keys(examples).length ? { examples } : {}) } } };
}

/** The yml's component schemas, from our handlers' zod schemas under the yml's names. */
function componentSchemaOf(name: string, contract: Contract): Json | undefined {
  const names = Object.values(publishedNames);
  if (names.some((n) => n.request === name) && contract.body) return schemaOf(contract.body);
  if (names.some((n) => n.response === name) && contract.response) return outputSchemaOf(contract.response);
  return undefined;
}

export async function buildOpenApi(routes: readonly RouteDefinition[], repoRoot: string): Promise<Json> {
  const paths: Record<string, Record<string, Json>> = {};
  const schemas: Record<string, Json> = { [v2ErrorSchemaName]: schemaOf(v2ErrorResponse) };
  const examples: Record<string, Json> = {};
  for (const route of routes) {
    const mod = (await import(pathToFileURL(resolve(repoRoot, route.entry)).href)) as { handler: ApiHandler };
    const contract: Contract = mod.handler.contract ?? {};
    const names = publishedNames[route.id];
    for (const name of [names?.request, names?.response]) {
      const schema = name ? componentSchemaOf(name, name === names?.request ? { body: contract.body } : { response: contract.response }) : undefined;
      if (name && schema) schemas[name] = schema;
    }
    const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const own = operationExamples[route.id] ?? {};
    const answers = successesOf(route, contract, own.response ?? {});
    addRefusals(answers, route, refusalsOf(route, errorCodesOf(route, repoRoot)), examples);
    const requestBody = requestBodyOf(route, contract, own.request ?? {});
    const operation: Json = {
      operationId: names?.operationId ?? route.id,
      summary: route.summary,
      description: `SPEC ${route.spec.join(', ')}`,
      tags: [route.path.split('/')[1] ?? ''],
      parameters: [...parametersOf('path', contract.params, pathNames), ...parametersOf('query', contract.query, [])],
      ...(route.auth === 'apiKey' ? { security: [{ AccessToken: [] }] } : { security: [] }),
      ...(requestBody ? { requestBody } : {}),
      responses: responsesOf(answers, versionOf(route.path) === 'v2'),
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  Object.assign(schemas, namedSchemas);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Newsletter backend API',
      version: '1',
      description:
        'Address-book API compatible with Stibee v1 (the `{Ok, Error, Value}` envelope; a refused call answers HTTP 200 with `Ok: false`, but for 401, 413, 429 and 5xx, and look-ups (GET) answer the envelope\'s status) and the public v2 API (bare JSON, text `ok`, `{code, httpStatusCode, message}`). Each operation lists every error code it can answer, with the body it answers. See docs/api.md for rules and examples.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'npm start' }],
    components: {
      securitySchemes: { AccessToken: { type: 'apiKey', in: 'header', name: 'AccessToken' } },
      schemas,
      examples: Object.fromEntries(Object.entries(examples).sort(([a], [b]) => a.localeCompare(b))),
    },
    paths,
  };
}
