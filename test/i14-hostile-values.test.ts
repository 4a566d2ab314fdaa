/**
 * Issue 14, hostile values (SPEC R1, W3): deeply nested bodies, values of the wrong type and
 * prototype keys (`__proto__`, `constructor`, `toString`) as field names, tags, merge tags and
 * API-trigger variables. Each gets a clear 400 in its version's shape, or is treated as the plain
 * name it is; nothing is written before the answer is certain, no answer is a 500.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createList, listBasics, subscribe } from './support/lists';
import { jsonDepth, MAX_BODY_DEPTH } from '#shared/http/json-depth';
import { add, mailsTo, settle, started, waitFor } from './support/automations';

let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s));

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('R1 (issue 14): a deeply nested value is refused before anything is written', () => {
  it('a row with a 50,000-level nested value is refused (INVALID_REQUEST, 400) in the v1 envelope; no subscriber written, no automated email sent', async () => {
    const listId = await createList(api, 'deep', [{ tag: 'name', label: '이름' }]);
    await started(api, listId, { subject: 'Deep welcome' });
    const body = `{"eventOccurredBy":"MANUAL","confirmEmailYN":"N","subscribers":[{"email":"deep@example.com","name":${nested(50_000)}}]}`;
    const res = await api.post(`/v1/lists/${listId}/subscribers`, body);
    // v1 reports a refused request in the envelope of an HTTP 200 (issue 13, docs/api.md).
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ Ok: false, Error: { Code: 'INVALID_REQUEST', HttpStatusCode: 400 } });
    expect(res.body.Error!.Message).toContain(`nested deeper than ${MAX_BODY_DEPTH} levels`);
    expect((await allSubscribers(api, listId)).size).toBe(0);
    expect((await counts(api, listId)).total).toBe(0);
    // The control: the same row with a plain value is written and triggers the email.
    await add(api, listId, [{ email: 'plain@example.com', name: 'plain' }]);
    await waitFor(() => mailsTo(app, 'plain@example.com'), (m) => m.length > 0);
    expect(await mailsTo(app, 'deep@example.com')).toEqual([]);
  });

  it('every JSON route refuses it the same way: v2 in its error object', async () => {
    const res = await api.post('/v2/lists', `{"name":"x","senderName":"a","companyName":"b","companyContact":"c","companyAddress":"d","fields":${nested(50_000)}}`);
    expect(res.status, res.text).toBe(400);
    expect(res.error).toMatchObject({ code: 'stberror.Errors.Data.InvalidRequest', httpStatusCode: 400 });
    expect(res.error!.message).toContain('nested deeper');
  });

  it('jsonDepth counts without recursion and stops past its limit', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({ a: [1, { b: {} }] })).toBe(4);
    expect(jsonDepth(JSON.parse(nested(200_000)))).toBe(Infinity);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_BODY_DEPTH }), (n) => jsonDepth(JSON.parse(nested(n) || '0')) === n),
    );
  });
});

describe('R1 (issue 14): field values of the wrong type', () => {
  it("an object or array as a field value is decided before any write: v1 puts the row in failValidation (issue 13's bucket for a value that does not fit its field) and subscribes the others; v2 answers 400; never a 500", async () => {
    const listId = await createList(api, 'types', [{ tag: 'name', label: '이름' }]);
    for (const [i, value] of [{ a: 1 }, [1, 2], { toString: 'x' }].entries()) {
      const res = await subscribe(api, listId, { subscribers: [{ email: `fine${i}@example.com`, name: 'ok' }, { email: 'typed@example.com', name: value }] });
      expect(res.status, res.text).toBe(200);
      expect(res.body.Ok, res.text).toBe(true);
      const buckets = res.body.Value as unknown as Record<string, Array<{ email: string }>>;
      expect(buckets.success!.map((r) => r.email)).toEqual([`fine${i}@example.com`]);
      expect(buckets.failValidation!.map((r) => r.email)).toEqual(['typed@example.com']);
      const v2 = await api.post(`/v2/lists/${listId}/subscribers`, { subscriber: { email: 'typed2@example.com', status: 'subscribed', fields: { name: value } } });
      expect(v2.status, v2.text).toBe(400);
      expect(v2.error?.code).toBe('stberror.Errors.Data.InvalidRequest');
    }
    expect([...(await allSubscribers(api, listId)).keys()].sort()).toEqual(['fine0@example.com', 'fine1@example.com', 'fine2@example.com']);
  });
});

describe('prototype keys (issue 14)', () => {
  it('merge tags named after Object.prototype members render empty, never `function Object() …`', async () => {
    const { merge, mergeValues } = await import('#shared/automations/render');
    const subscriber = { email: 'p@example.com', adAgreed: 'N', fields: {} } as unknown as Parameters<typeof mergeValues>[0];
    const values = mergeValues(subscriber, undefined, true);
    for (const tag of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(merge(`[$%${tag}%$]`, values), tag).toBe('[]');
    }
    fc.assert(fc.property(fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype)), (tag) => merge(`$%${tag}%$`, values) === ''));
    // A tag that is a real value stays one, whatever its name.
    const withValues = mergeValues(subscriber, { constructor: 'built', toString: 'said' }, false);
    expect(merge('$%constructor%$ $%toString%$', withValues)).toBe('built said');
  });
});

describe('prototype keys through HTTP (issue 14)', () => {
  const reserved = ['constructor', 'toString', 'prototype', 'valueOf', 'hasOwnProperty'];

  it('a field tag named after an Object.prototype member (or `prototype`) is refused with a clear 400, and no list is made', async () => {
    for (const tag of reserved) {
      const res = await api.post('/v2/lists', { name: `reserved-${tag}`, ...listBasics, fields: [{ tag, label: tag }] });
      expect(res.status, `${tag}: ${res.text}`).toBe(400);
      expect(res.error!.message, tag).toContain('reserved');
    }
    expect((await api.get('/v2/lists?limit=100')).text).not.toContain('reserved-');
  });

  it('rows carrying `constructor`, `toString` or `__proto__` keys are answered as for any unknown key; A3a refuses them as extra keys with a clear message; never a 500', async () => {
    const listId = await createList(api, 'proto rows', [{ tag: 'name', label: '이름' }]);
    const row = '{"email":"proto@example.com","name":"둘리","constructor":"x","toString":"y"}';
    const res = await api.post(`/v1/lists/${listId}/subscribers`, `{"eventOccurredBy":"MANUAL","confirmEmailYN":"N","subscribers":[${row}]}`);
    expect(res.status, res.text).toBe(200);
    expect((res.body.Value as { success: unknown[] }).success).toEqual([expect.objectContaining({ email: 'proto@example.com' })]);
    const v2 = await api.post(`/v2/lists/${listId}/subscribers`, `{"subscriber":{"email":"proto2@example.com","status":"subscribed","constructor":"x"}}`);
    expect(v2.status, v2.text).toBeLessThan(300);
    // `__proto__` anywhere in a body is refused at the JSON boundary, in each version's shape; nothing written, no prototype touched.
    const polluting = await api.post(`/v1/lists/${listId}/subscribers`, '{"subscribers":[{"email":"proto3@example.com","__proto__":{"polluted":"yes"}}]}');
    expect(polluting.body).toMatchObject({ Ok: false, Error: { Code: 'INVALID_REQUEST' } });
    expect(polluting.body.Error!.Message).toContain('reserved name');
    const polluting2 = await api.post(`/v2/lists/${listId}/subscribers`, '{"subscriber":{"email":"proto4@example.com","status":"subscribed","__proto__":{"polluted":"yes"}}}');
    expect(polluting2.status, polluting2.text).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect([...(await allSubscribers(api, listId)).keys()].sort()).toEqual(['proto2@example.com', 'proto@example.com']);

    // A3a: such extra keys name no field (the tags are refused above): a clear refusal, nothing sent; plain keys still fill tags.
    const a = await started(api, listId, { subject: 'Proto $%code%$', html: '<p>[$%code%$]</p>', triggers: [{ type: 'api' }], allowDuplicates: true });
    for (const key of ['constructor', 'toString', '__proto__']) {
      const trig = await api.post(a.apiEndpoint!, `{"subscriber":"proto@example.com","code":"c1","${key}":{"b":2}}`);
      expect(trig.status, `${key}: ${trig.text}`).toBeLessThan(500);
      expect(trig.text, key).toContain('reserved name');
    }
    await settle(1100); // the three refusals used this second's A3a allowance (3 a second)
    const ok = await api.post(a.apiEndpoint!, '{"subscriber":"proto@example.com","code":"c1"}');
    expect(ok.text, ok.text).toBe('ok');
    const mails = await waitFor(() => mailsTo(app, 'proto@example.com'), (m) => m.length > 0);
    expect(mails.map((m) => m.subject)).toEqual(['Proto c1']);
  });
});
