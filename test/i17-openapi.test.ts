/**
 * Issue 17: a complete OpenAPI document. It lints clean with Redocly's recommended rules (every
 * operation with a 4xx answer, every example valid against its schema), every operation
 * documents its refusals in its version's shape (SPEC L9 / docs/api.md "Envelope and errors":
 * v1 refusals in an HTTP 200 envelope but for the call refusals, look-ups with the envelope's
 * status; v2 `{code, httpStatusCode, message}`; A3a's text), every error code its handler names,
 * the seed's subscribe bodies as examples, and the typed client's generated types
 * (client/schema.d.ts) are what the current document renders.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { routes } from '#shared/routes';
import { buildOpenApi } from '#shared/http/openapi';
import { typesOf } from '#shared/http/openapi-types';
import { errorCatalog, type ErrorCode } from '#shared/http/errors';
import { keepsItsStatus } from '#shared/http/conventions/call-refusals';

type Json = Record<string, unknown>;
interface Media {
  schema?: Json;
  examples?: Record<string, { value?: unknown; $ref?: string }>;
}
interface Operation {
  operationId: string;
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}

const root = resolve(import.meta.dirname, '..');
let doc: Json & { paths: Record<string, Record<string, Operation>>; components: { examples: Record<string, { value: unknown }> } };
const op = (method: string, path: string) => doc.paths[path]![method.toLowerCase()]!;
/** Every error code an operation documents, by HTTP status, read from its examples (each names the catalog code). */
const documentedCodes = (o: Operation): Map<ErrorCode, string> => {
  const out = new Map<ErrorCode, string>();
  for (const [status, answer] of Object.entries(o.responses)) {
    for (const media of Object.values(answer.content ?? {})) {
      for (const name of Object.keys(media.examples ?? {})) if (Object.hasOwn(errorCatalog, name)) out.set(name as ErrorCode, status);
    }
  }
  return out;
};
const exampleValue = (o: Operation, status: string, mediaType: string, code: string): unknown => {
  const ref = o.responses[status]?.content?.[mediaType]?.examples?.[code]?.$ref;
  return ref ? doc.components.examples[ref.split('/').pop()!]?.value : undefined;
};

beforeAll(async () => {
  doc = (await buildOpenApi(routes, root)) as typeof doc;
});

describe('issue 17: the OpenAPI document is complete', () => {
  it('lints without a single problem (Redocly recommended; 4xx answers and valid examples as errors)', async () => {
    const config = await createConfig({
      extends: ['recommended'],
      rules: { 'operation-4xx-response': 'error', 'no-invalid-media-type-examples': 'error', 'no-unused-components': 'error' },
    });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'docs/openapi.json', config });
    const lines = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`);
    expect(lines).toEqual([]);
  }, 60_000);

  it('every operation documents a 4xx answer, and authenticated ones the 401 and the throttle 429', () => {
    const missing: string[] = [];
    for (const r of routes) {
      const o = op(r.method, r.path);
      const statuses = Object.keys(o.responses);
      if (!statuses.some((s) => /^4\d\d$/.test(s))) missing.push(`${r.method} ${r.path}: no 4xx`);
      if (r.auth === 'apiKey' && !(statuses.includes('401') && statuses.includes('429'))) missing.push(`${r.method} ${r.path}: no 401 / 429`);
      if (!statuses.includes('500')) missing.push(`${r.method} ${r.path}: no 500`);
    }
    expect(missing).toEqual([]);
  });

  it('every error code a handler throws by name is documented for its operation (derived from the code, not a hand list)', () => {
    const missing: string[] = [];
    for (const r of routes) {
      const source = readFileSync(resolve(root, r.entry), 'utf8');
      const documented = documentedCodes(op(r.method, r.path));
      for (const [, code] of source.matchAll(/ApiError\('([A-Z_]+)'/g)) if (!documented.has(code as ErrorCode)) missing.push(`${r.id}: ${code}`);
    }
    expect(missing).toEqual([]);
    // Spot checks across modules the handlers call: the domain's refusals reach the document.
    expect([...documentedCodes(op('POST', '/v1/lists/{listId}/subscribers')).keys()]).toEqual(
      expect.arrayContaining(['LIST_NOT_FOUND', 'LIST_ALREADY_SUBSCRIBED', 'LIST_CONFIRM_LIMIT_EXCEEDED', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'UNAUTHORIZED']),
    );
    expect([...documentedCodes(op('POST', '/v2/lists/{listId}/groups')).keys()]).toEqual(expect.arrayContaining(['GROUP_NAME_EXISTS', 'GROUP_LIMIT_EXCEEDED', 'LIST_NOT_FOUND']));
    expect([...documentedCodes(op('POST', '/v2/emails/{emailId}/send')).keys()]).toEqual(expect.arrayContaining(['EMAIL_EMPTY_SUBSCRIBER', 'SENDER_NOT_VERIFIED']));
    expect([...documentedCodes(op('POST', '/api/v1.0/auto/{key}')).keys()]).toEqual(
      expect.arrayContaining(['AUTOMATION_SUBSCRIBER_UNKNOWN', 'AUTOMATION_API_RATE', 'AUTOMATION_VALUES_TOO_LARGE', 'AUTOMATION_NOT_FOUND']),
    );
    // Public routes carry no key, so no 401, but the per-IP throttle.
    const confirm = documentedCodes(op('GET', '/v1/subscriptions/confirm'));
    expect([confirm.has('UNAUTHORIZED'), confirm.get('PUBLIC_RATE_LIMITED')]).toEqual([false, '429']);
  });

  it('v1: refusals of a change answer HTTP 200 with Ok:false, the call refusals keep their status, look-ups answer the envelope status', () => {
    const subscribe = op('POST', '/v1/lists/{listId}/subscribers');
    const codes = documentedCodes(subscribe);
    for (const [code, status] of codes) expect([code, status]).toEqual([code, keepsItsStatus(code) && code !== 'UNSUPPORTED_MEDIA_TYPE' ? String(errorCatalog[code].status) : '200']);
    // The seed's refusal, as the seed prints it.
    expect(exampleValue(subscribe, '200', 'application/json', 'LIST_ALREADY_SUBSCRIBED')).toEqual({
      Ok: false,
      Error: { Code: 'LIST_ALREADY_SUBSCRIBED', HttpStatusCode: 0, Message: '이미 구독 중인 이메일 주소입니다.' },
      Value: null,
    });
    const schema = subscribe.responses['200']!.content!['application/json']!.schema as { oneOf: Json[] };
    expect(schema.oneOf).toHaveLength(2);
    expect(JSON.stringify(schema.oneOf[1])).toContain('"LIST_ALREADY_SUBSCRIBED"');
    const lookup = documentedCodes(op('GET', '/v1/lists/{listId}/subscribers/count'));
    expect(lookup.get('LIST_NOT_FOUND')).toBe('404');
    expect(lookup.get('INVALID_REQUEST')).toBe('400');
    expect(exampleValue(op('GET', '/v1/lists'), '401', 'application/json', 'UNAUTHORIZED')).toEqual({
      Ok: false,
      Error: { Code: 'UNAUTHORIZED', HttpStatusCode: 401, Message: errorCatalog.UNAUTHORIZED.message },
      Value: null,
    });
  });

  it('v2: bare JSON or text ok on success, {code, httpStatusCode, message} with the stberror codes on refusal', () => {
    const create = op('POST', '/v2/lists/{listId}/groups');
    expect(create.responses['200']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/CreateGroupResponse' });
    expect(exampleValue(create, '400', 'application/json', 'GROUP_NAME_EXISTS')).toEqual({
      code: 'stberror.Errors.List.AlreadyExistGroup',
      httpStatusCode: 400,
      message: '그룹이 이미 존재합니다.',
    });
    expect(JSON.stringify(create.responses['400']!.content!['application/json']!.schema)).toContain('stberror.Errors.List.AlreadyExistGroup');
    const remove = op('DELETE', '/v2/lists/{listId}');
    expect(remove.responses['200']!.content).toEqual({ 'text/plain': { schema: { type: 'string', const: 'ok' }, examples: { ok: { value: 'ok' } } } });
    expect(Object.keys(op('POST', '/v2/lists/{listId}/subscribers').responses)).toEqual(expect.arrayContaining(['200', '201', '400']));
    expect(exampleValue(op('GET', '/v2/auth-check'), '401', 'application/json', 'UNAUTHORIZED')).toMatchObject({ code: 'stberror.Errors.Authorization.NoToken', httpStatusCode: 401 });
  });

  it("A3a: the text ok, the original's text refusal, and its other refusals in the envelope", () => {
    const trigger = op('POST', '/api/v1.0/auto/{key}');
    expect(Object.keys(trigger.responses['200']!.content!)).toEqual(['text/plain']);
    expect(trigger.responses['400']!.content!['text/plain']!.schema).toEqual({ type: 'string', enum: ['구독자 상태를 파악할 수 없습니다.'] });
    expect(exampleValue(trigger, '404', 'application/json', 'AUTOMATION_NOT_FOUND')).toMatchObject({ Ok: false, Error: { Code: 'AUTOMATION_NOT_FOUND', HttpStatusCode: 404 } });
  });

  it("the seed 002 subscribe bodies are the v1 subscribe's request examples (and valid: the lint checks them)", () => {
    const seed = readFileSync('/work/shared/seeds/002_d439c4f46b3a162f.txt', 'utf8');
    const examples = op('POST', '/v1/lists/{listId}/subscribers').requestBody!.content['application/json']!.examples!;
    const first = examples.seedAdd!.value as { subscribers: unknown[]; groupIds: string[] }[];
    expect(seed).toContain('"eventOccurredBy": "SUBSCRIBER"');
    expect(first[0]).toMatchObject({ eventOccurredBy: 'SUBSCRIBER', confirmEmailYN: 'N', groupIds: ['1234', '5123'] });
    expect(first[0]!.subscribers).toEqual([
      { email: 'gildong.go@stibee.com', name: '고길동' },
      { email: 'dooly@stibee.com', name: '둘리' },
    ]);
    expect(Object.keys(op('POST', '/v1/lists/{listId}/subscribers').responses['200']!.content!['application/json']!.examples!)).toContain('seedAnswer');
  });

  it('client/schema.d.ts is what openapi-typescript renders from the current document (regenerate with `npm run openapi`)', async () => {
    const committed = readFileSync(resolve(root, 'client/schema.d.ts'), 'utf8');
    expect(committed === (await typesOf(doc)), 'client/schema.d.ts is stale: run `npm run openapi`').toBe(true);
  }, 60_000);
});
