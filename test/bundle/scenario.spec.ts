/**
 * Issue 11: what `cdk deploy` ships works as `npm start` does. One scenario across the esbuild
 * bundles of the synthesized template, each in its own Node process with its template
 * environment (test/bundle/lambda.ts), API Gateway, the stream mapping, the rules, EventBridge
 * Scheduler and the import state machine played from the same template, every AWS call checked
 * against the calling function's IAM policy (test/bundle/aws-stub.ts), no network beyond
 * loopback. The steps follow the issue: authorizer → list → the seed's two-subscriber example
 * (SPEC L4) → look-ups (L8) → unsubscribe (L6) → delete (L5, L1) → an automated email (A1-A3)
 * sent by the worker from a stream record that passes the template's filter → its pixel, click
 * and one-click unsubscribe (A7, M1) → an import through the template's state machine (I3, I7)
 * → every other route once; and a cold start whose secret read fails recovers (issue 11, 2).
 * Every function of the template is invoked (the last test checks the set).
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import { createWorkspace } from '#shared/workspaces/workspaces';
import { createApiKey } from '#shared/workspaces/api-keys';
import { createDocumentClient } from '#shared/db/client';
import { systemClock } from '#shared/ports/clock';
import { startProviderSimulator, type ProviderSimulator } from '#shared/local/provider-simulator';
import { startHarness, type Harness } from './harness';
import type { GatewayResponse } from './gateway';
import type { FunctionSpec } from './assembly';
import { fireRule } from './event-sources';
import type { InvokeResult } from './lambda';
import { listBasics } from '../support/lists';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '#shared/metrics/names';

interface Envelope<T = unknown> {
  Ok: boolean;
  Error: null | { Code: string; HttpStatusCode: number; Message: string };
  Value: T;
}

let h: Harness;
let simulator: ProviderSimulator;
let accessToken = '';
const MEMBERS = 1500;
/** Where the webhook points: a public address (R4 accepts it), which the bundles may not reach. */
const WEBHOOK_HOST = '203.0.113.7';

const fnOf = (routeId: string): FunctionSpec => {
  const route = h.assembly.routes.find((r) => r.operationName === routeId);
  if (!route) throw new Error(`no method with operationName ${routeId} in the template`);
  return h.lambda.byArnOrName(route.functionArn);
};

/** What went wrong, with the function's last log lines, for an assertion message. */
function explain(res: GatewayResponse): string {
  const fn = res.route ? fnOf(res.route.operationName) : undefined;
  return [`${res.route?.method ?? ''} ${res.route?.path ?? ''} → ${res.status}`, res.failure ?? '', res.text().slice(0, 600), fn ? `--- ${fn.path} logs:\n${h.lambda.logsOf(fn, 25)}` : ''].join('\n');
}

/** An answer a client can use: no 5xx, and a body that is JSON where it says JSON (or says nothing). */
function usable(res: GatewayResponse): GatewayResponse {
  expect(res.status, explain(res)).toBeLessThan(500);
  const type = Object.entries(res.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (res.body.length && (!type || /json/i.test(type))) expect(() => res.json(), `not JSON: ${explain(res)}`).not.toThrow();
  return res;
}

async function call(method: string, url: string, options: { body?: unknown; headers?: Record<string, string>; key?: string | null } = {}): Promise<GatewayResponse> {
  const headers: Record<string, string> = { 'User-Agent': 'bundle-test', ...(options.headers ?? {}) };
  const key = options.key === undefined ? accessToken : options.key;
  if (key) headers.AccessToken = key;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  return h.gateway.request({ method, url, headers, ...(body !== undefined ? { body } : {}) });
}

/** The API version of an answer, by its route's path (issue 13: the path decides the convention). */
function versionOfAnswer(res: GatewayResponse, url: string): 'v1' | 'v2' {
  const path = res.route?.path ?? new URL(url, 'https://host').pathname.replace(/^\/[^/]+(?=\/v\d\/)/, '');
  return /^\/v2(\/|$)/.test(path) ? 'v2' : 'v1';
}

/**
 * A call that must succeed in its version's convention (issue 13): v1 the `{Ok, Error, Value}`
 * envelope, answering its Value; v2 a 200/201 with bare JSON (answered) or the text `ok`
 * (answered as undefined).
 */
async function ok<T = unknown>(method: string, url: string, body?: unknown): Promise<T> {
  const res = usable(await call(method, url, body === undefined ? {} : { body }));
  if (versionOfAnswer(res, url) === 'v2') {
    expect([200, 201], explain(res)).toContain(res.status);
    const type = Object.entries(res.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
    if (/^text\/plain/i.test(type)) {
      expect(res.text(), explain(res)).toBe('ok');
      return undefined as T;
    }
    expect(type, explain(res)).toMatch(/json/i);
    const value = res.json<T>();
    expect(value !== null && typeof value === 'object' && 'Ok' in value && 'Value' in value, `a v2 answer in the v1 envelope: ${explain(res)}`).toBe(false);
    return value;
  }
  const envelope = res.json<Envelope<T>>();
  expect(envelope.Ok, explain(res)).toBe(true);
  return envelope.Value;
}

/**
 * Makes `email` a verified sender address of the list (issue 13: automated emails start only from
 * one): the senders-add function creates the SES identity, its owner follows the link SES mailed,
 * and the senders-list function reads the identity as verified.
 */
async function verifiedSender(listId: number, email: string): Promise<void> {
  const added = await ok<{ authorized: boolean }>('POST', `/v2/lists/${listId}/senders`, { email });
  if (!added.authorized) {
    expect(h.stub.identities.get(email)?.createdBy, 'senders-add created the SES identity, which mails the owner').toBe(fnOf('senders-add').path);
    h.stub.verifyIdentity(email);
  }
  expect(await ok<Array<{ email: string; authorized: boolean }>>('GET', `/v2/lists/${listId}/senders`)).toContainEqual({ email, authorized: true });
}

const noError = (result: InvokeResult, what: string) => expect(result.error, `${what}: ${JSON.stringify(result.error)}`).toBeUndefined();

const state: {
  listId?: number;
  groupId?: number;
  autoListId?: number;
  welcomeId?: number;
  delayedId?: number;
  linkedListId?: number;
  jobId?: string;
  webhookId?: string;
  apiKeyId?: string;
} = {};

beforeAll(async () => {
  simulator = await startProviderSimulator({ memberCount: MEMBERS });
  h = await startHarness({
    assemblyDir: inject('bundleAssemblyDir'),
    dynamoLocal: inject('bundleDynamoLocal'),
    // The operator's integrations config, pointed at the local Sixshop and Donus simulators.
    environmentOverrides: (fn): Record<string, string> => {
      const template = fn.environment.INTEGRATIONS_CONFIG;
      if (!template) return {};
      const config = JSON.parse(template) as Record<string, Record<string, unknown>>;
      for (const [provider, sim] of Object.entries(simulator.config)) {
        config[provider] = { ...config[provider], authorizeUrl: sim.authorizeUrl, tokenUrl: sim.tokenUrl, apiBaseUrl: sim.apiBaseUrl, clientId: sim.clientId };
      }
      return { INTEGRATIONS_CONFIG: JSON.stringify(config) };
    },
  });
  // The operator's first workspace and key (the admin CLI's job; no API exists before it).
  const deps = { db: createDocumentClient({ endpoint: inject('bundleDynamoLocal') }), tableName: h.tableName, clock: systemClock };
  const workspace = await createWorkspace(deps, 'bundle test');
  accessToken = (await createApiKey(deps, workspace.workspaceId, 'first')).secret;
});

afterAll(async () => {
  await h?.close();
  await simulator?.close();
});

describe('issue 11: the synthesized bundles, invoked as Lambda would', () => {
  it('the authorizer refuses a missing or unknown AccessToken with the envelope of the template and lets a key through', async () => {
    const missing = await call('GET', '/v1/lists', { key: null });
    expect(missing.status).toBe(401);
    expect(missing.json<Envelope>().Error?.Code).toBe('UNAUTHORIZED');
    const unknown = await call('GET', '/v1/lists', { key: 'f'.repeat(64) });
    expect(unknown.status, explain(unknown)).toBe(401);
    expect(unknown.failure).toBe('authorizer: Unauthorized');
    await ok('GET', '/v1/api-keys');
  });

  it('issue 11 (2): a cold start whose Secrets Manager read fails answers 5xx once, and the warm container recovers on the next request', async () => {
    const fn = fnOf('lists-list');
    try {
      h.stub.failingSecretReads.add(fn.path);
      const first = await call('GET', '/v1/lists');
      h.stub.failingSecretReads.delete(fn.path);
      expect(first.status, explain(first)).toBeGreaterThanOrEqual(500);
      const second = await call('GET', '/v1/lists');
      const served = h.lambda.invocations.filter((i) => i.function === fn.path);
      expect(served.at(-1)!.coldStart, 'the second request is served by the same (warm) environment').toBe(false);
      expect(second.status, explain(second)).toBe(200);
      expect(h.stub.secretReads.filter((r) => r.caller === fn.path && !r.failed).length, 'the secret is read again after the failed read').toBeGreaterThan(0);
    } finally {
      h.stub.failingSecretReads.delete(fn.path);
      // A container this left broken must not fail the steps below for the same reason again.
      h.lambda.recycle(fn);
    }
  });

  it('L1, L4, L8, L6, L5: a list, the seed\'s two-subscriber example, look-ups, unsubscribe, delete', async () => {
    const list = await ok<{ id: number }>('POST', '/v2/lists', { name: '뉴스레터', ...listBasics, fields: [{ tag: 'name', label: '이름' }, { tag: 'phone', label: '전화번호', type: 'phone' }] });
    state.listId = list.id;
    state.groupId = (await ok<{ id: number }>('POST', `/v2/lists/${list.id}/groups`, { name: 'VIP' })).id;
    // Seed 002's request, with the list's own group.
    const subscribed = await ok<{ success: Array<{ email: string }> }>('POST', `/v1/lists/${list.id}/subscribers`, {
      eventOccurredBy: 'SUBSCRIBER',
      confirmEmailYN: 'N',
      groupIds: [String(state.groupId)],
      subscribers: [
        { email: 'gildong.go@stibee.com', name: '고길동' },
        { email: 'dooly@stibee.com', name: '둘리' },
      ],
    });
    expect(subscribed.success.map((s) => s.email).sort()).toEqual(['dooly@stibee.com', 'gildong.go@stibee.com']);

    expect((await ok<Array<{ id: number }>>('GET', '/v1/lists')).map((l) => l.id)).toContain(list.id);
    expect((await ok<Array<{ id: number }>>('GET', `/v1/lists/${list.id}/groups`)).map((g) => g.id)).toEqual([state.groupId]);
    // The look-ups as reference/api-webhook_list-api_2024-04-18.md defines them (issue 13): an integer, an array of rows.
    expect(await ok('GET', `/v1/lists/${list.id}/subscribers/count?status=S`)).toBe(2);
    const page = await ok<Array<{ email: string; status: string; groupIds: number[] }>>('GET', `/v1/lists/${list.id}/subscribers?limit=10`);
    expect(page.map((s) => s.email).sort()).toEqual(['dooly@stibee.com', 'gildong.go@stibee.com']);
    expect(page.every((s) => s.status === 'S' && s.groupIds.includes(state.groupId!))).toBe(true);
    expect((await ok<{ id: number }>('GET', `/v2/lists/${list.id}`)).id).toBe(list.id);
    expect((await ok<Array<{ tag: string }>>('GET', `/v2/lists/${list.id}/fields`)).map((f) => f.tag)).toContain('phone');

    const unsubscribed = await ok<{ success: string[] }>('PUT', `/v1/lists/${list.id}/subscribers/unsubscribe`, ['dooly@stibee.com']);
    expect(unsubscribed.success).toEqual(['dooly@stibee.com']);
    expect([await ok('GET', `/v1/lists/${list.id}/subscribers/count?status=S`), await ok('GET', `/v1/lists/${list.id}/subscribers/count?status=D`)]).toEqual([1, 1]);
    const deleted = await ok<{ success: string[] }>('DELETE', `/v1/lists/${list.id}/subscribers`, ['dooly@stibee.com']);
    expect(deleted.success).toEqual(['dooly@stibee.com']);
    expect(await ok('GET', `/v1/lists/${list.id}/subscribers/count`)).toBe(1);
  });

  it('A1-A3: an automated email is created, started, and sent by the worker from a stream record that passes the template\'s filter', async () => {
    const list = await ok<{ id: number }>('POST', '/v2/lists', { name: '자동 이메일', ...listBasics, fields: [{ tag: 'name', label: '이름' }] });
    state.autoListId = list.id;
    const content = {
      listId: list.id,
      senderName: '뉴스레터',
      // A verified identity of the template (SES refuses any other sender).
      senderEmail: `news@${h.assembly.emailIdentities[0]}`,
      subject: '$%name%$님, 환영합니다',
      html: '<html><body><p>안녕하세요 $%name%$님</p><a href="https://example.com/offer?a=1&amp;b=2">offer</a></body></html>',
      triggers: [{ type: 'subscriberAdded' }],
    };
    await verifiedSender(list.id, content.senderEmail);
    state.welcomeId = (await ok<{ automationId: number }>('POST', '/v2/automations', { ...content, name: 'welcome' })).automationId;
    expect((await ok<{ state: string }>('POST', `/v2/automations/${state.welcomeId}/start`)).state).toBe('running');
    // A second one a day later: its pending send is what the dispatcher's schedule is for.
    state.delayedId = (await ok<{ automationId: number }>('POST', '/v2/automations', { ...content, name: 'a day later', delay: { value: 1, unit: 'days' } })).automationId;
    await ok('POST', `/v2/automations/${state.delayedId}/start`);

    await h.stream.deliver('stream: before the sign-ups');
    await ok('POST', `/v1/lists/${list.id}/subscribers`, {
      eventOccurredBy: 'SUBSCRIBER',
      confirmEmailYN: 'N',
      subscribers: [
        { email: 'gildong.go@stibee.com', name: '고길동' },
        { email: 'dooly@stibee.com', name: '둘리' },
      ],
    });
    const delivery = await h.stream.deliver();
    expect(delivery.passed.length, 'records of the sign-up that pass the FilterCriteria').toBeGreaterThan(0);
    expect(delivery.read, 'the filter lets only the sealing records through').toBeGreaterThan(delivery.passed.length);
    for (const r of delivery.passed) expect(r.eventName).toBe('INSERT');
    for (const result of delivery.results) noError(result, 'webhooks worker on the stream batch');

    const worker = h.lambda.byArnOrName(h.stream.mapping.functionName);
    const welcome = h.stub.mails.filter((m) => m.caller === worker.path && String(m.parsed.subject).includes('환영합니다'));
    // Both sign-ups get the welcome at once; the delayed email waits for its day.
    expect(welcome.map((m) => m.parsed.to && !Array.isArray(m.parsed.to) ? m.parsed.to.value[0]!.address : '').sort()).toEqual(['dooly@stibee.com', 'gildong.go@stibee.com']);
    expect(welcome.every((m) => m.configurationSet === h.assembly.configurationSets[0])).toBe(true);
  });

  it('issue 15: a regular email is sent through the template\'s email-send state machine, each task in its bundle, and read back', async () => {
    const listId = state.autoListId!;
    const email = await ok<{ id: number }>('POST', '/v2/emails', { subject: '$%name%$님, 이번 주 소식', senderEmail: `news@${h.assembly.emailIdentities[0]}`, senderName: '뉴스레터', listId });
    const html = usable(await call('POST', `/v2/emails/${email.id}/content`, { body: '<p>$%name%$님 <a href="https://example.com/n">기사</a></p>', headers: { 'Content-Type': 'text/html' } }));
    expect(html.status, explain(html)).toBe(200);
    expect(usable(await call('GET', `/v2/emails/${email.id}/content`)).text()).toContain('$%name%$');
    await ok('POST', `/v2/emails/${email.id}/tags/assign?tagIds=1,2`);
    await ok('POST', `/v2/emails/${email.id}/tags/release?tagIds=2`);
    await ok('PUT', `/v2/emails/${email.id}`, { senderName: '뉴스레터 팀' });
    expect((await ok<{ total: number }>('GET', `/v2/emails?listId=${listId}&tagIds=1`)).total).toBe(1);
    const copy = await ok<{ id: number }>('POST', `/v2/emails/${email.id}/copy`);
    await ok('DELETE', `/v2/emails/${copy.id}`);
    const before = h.stub.executions.length;
    await ok('POST', `/v2/emails/${email.id}/send`);
    expect(h.stub.executions.length, 'the send route started an execution').toBe(before + 1);
    await h.stub.executions.at(-1)!.done;
    const done = await ok<{ status: number; sendProgress: { sent: number } }>('GET', `/v2/emails/${email.id}`);
    expect(done.status).toBe(3);
    const page = h.assembly.functions.find((f) => f.path.endsWith('/EmailSends/EmailSendPageFunction'))!;
    expect(page, h.assembly.functions.map((f) => f.path).join(', ')).toBeDefined();
    const sent = h.stub.mails.filter((m) => m.caller === page.path && String(m.parsed.subject).includes('이번 주 소식'));
    expect(sent.length, 'mails from the page task').toBeGreaterThan(0);
    expect(done.sendProgress.sent).toBe(sent.length);
    // Issue 17: the page task wrote its figures as EMF (Powertools Metrics) to its log, as CloudWatch reads them.
    type Emf = Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Metrics: Array<{ Name: string }> }> } };
    const emf = h.lambda.logsOf(page, 400).split('\n').filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Emf);
    const sentFigures = emf.filter((l) => l._aws.CloudWatchMetrics[0]!.Metrics[0]!.Name === 'EmailsSent' && l.Source === 'email');
    expect(sentFigures.length, h.lambda.logsOf(page, 40)).toBeGreaterThan(0);
    expect(sentFigures.every((l) => l._aws.CloudWatchMetrics[0]!.Namespace === METRICS_NAMESPACE && l.service === METRICS_SERVICE)).toBe(true);
    expect(sentFigures.reduce((n, l) => n + Number(l.EmailsSent), 0)).toBe(sent.length);
    const logs = await ok<{ items: Array<{ action: string }> }>('GET', `/v2/emails/${email.id}/logs`);
    expect(logs.items.filter((i) => i.action === 'P')).toHaveLength(sent.length);
    // A reservation is an EventBridge Scheduler entry, cancelled again.
    const later = await ok<{ id: number }>('POST', `/v2/emails/${email.id}/copy`);
    const reserveTime = new Date(Date.now() + 9 * 3_600_000 + 3_600_000).toISOString().replace(/\D/g, '').slice(0, 14);
    await ok('POST', `/v2/emails/${later.id}/reserve?reserveTime=${reserveTime}`);
    await ok('POST', `/v2/emails/${later.id}/cancel-reserve`);
  });

  it('A7, M1: the open pixel is a real GIF after API Gateway\'s binary handling; the click redirects; RFC 8058 one-click unsubscribes', async () => {
    const worker = h.lambda.byArnOrName(h.stream.mapping.functionName);
    const mailTo = (email: string) =>
      h.stub.mails.find((m) => m.caller === worker.path && !Array.isArray(m.parsed.to) && m.parsed.to?.value[0]?.address === email)!;
    const gildong = mailTo('gildong.go@stibee.com');
    const html = String(gildong.parsed.html);
    const pixel = /src="([^"]*\/v1\/t\/open\/[^"]+)"/.exec(html)?.[1];
    const click = /href="([^"]*\/v1\/t\/click\/[^"]+)"/.exec(html)?.[1];
    expect(pixel, html).toBeDefined();
    expect(click, html).toBeDefined();
    expect(pixel!.startsWith(h.gateway.baseUrl), 'links use the template\'s PUBLIC_BASE_URL').toBe(true);

    // What a mail client's image proxy sends.
    const image = usable(await call('GET', pixel!, { key: null, headers: { Accept: 'image/webp,image/*,*/*;q=0.8' } }));
    expect(image.status).toBe(200);
    expect(image.headers['Content-Type']).toBe('image/gif');
    expect.soft(image.body.subarray(0, 6).toString('latin1'), 'issue 11 (4): the pixel reaches the client as GIF bytes, not as base64 text').toBe('GIF89a');

    const redirect = usable(await call('GET', click!.replace(/&amp;/g, '&'), { key: null, headers: { Accept: 'text/html' } }));
    expect(redirect.status, explain(redirect)).toBe(302);
    expect(redirect.headers.Location ?? redirect.headers.location).toBe('https://example.com/offer?a=1&b=2');

    const dooly = mailTo('dooly@stibee.com');
    const headerLine = (key: string) => dooly.parsed.headerLines.find((l) => l.key === key)?.line ?? '';
    expect(headerLine('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const oneClick = /<([^>]+)>/.exec(headerLine('list-unsubscribe'))![1]!.replace(/\s+/g, '');
    const res = usable(await call('POST', oneClick, { key: null, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' }));
    expect(res.status, explain(res)).toBe(200);
    expect([await ok('GET', `/v1/lists/${state.autoListId}/subscribers/count?status=S`), await ok('GET', `/v1/lists/${state.autoListId}/subscribers/count?status=D`)]).toEqual([1, 1]);
    await h.stream.deliver();
    const dashboard = await ok<{ uniqueOpens?: number; opens?: number; clicks?: number }>('GET', `/v2/automations/${state.welcomeId}/dashboard`);
    expect(dashboard.clicks, JSON.stringify(dashboard)).toBeGreaterThanOrEqual(1);
  });

  it('A5, A8: EventBridge Scheduler fires the dispatcher through the template\'s role; the queue is read and sent by hand', async () => {
    // The function the scheduling routes name as the target of their entries.
    const dispatcher = h.lambda.byArnOrName(fnOf('automations-transition').environment.DISPATCHER_ARN!);
    const schedules = [...h.stub.schedules.values()].filter((s) => s.target.Arn === dispatcher.arn);
    expect(schedules.length, `schedules created: ${JSON.stringify([...h.stub.schedules.values()].map((s) => s.name))}`).toBeGreaterThan(0);
    for (const s of schedules) {
      expect(h.stub.roleAllows(s.target.RoleArn, 'lambda:InvokeFunction', s.target.Arn), `${s.target.RoleArn} may invoke the dispatcher`).toBe(true);
      const result = await h.lambda.invoke(dispatcher, JSON.parse(s.target.Input ?? '{}'), `scheduler ${s.group}/${s.name}`);
      noError(result, `dispatcher for ${s.name}`);
    }
    const queue = await ok<{ items: Array<{ id: string; email: string }> }>('GET', `/v2/automations/${state.delayedId}/queue`);
    const gildong = queue.items.find((i) => i.email === 'gildong.go@stibee.com');
    expect(gildong, JSON.stringify(queue)).toBeDefined();
    const before = h.stub.mails.length;
    await ok('POST', `/v2/automations/${state.delayedId}/queue/send`, { ids: [gildong!.id] });
    expect(h.stub.mails.slice(before).some((m) => m.caller === fnOf('automations-queue-action').path)).toBe(true);
  });

  it('I1, I3, I7: a Sixshop import runs through the template\'s own state machine, each task in its bundle, against the provider simulator', async () => {
    const connect = fnOf('integrations-connect');
    // issue 11 (3): as deployed, the client-secrets secret holds what CloudFormation generated.
    // Not a crash (the 500 of issue 11 (3)): the documented refusal of docs/deploy.md, 503
    // INTEGRATION_NOT_CONFIGURED in the v2 error shape, until the operator fills the secret in.
    const asDeployed = await call('POST', '/v2/integrations/sixshop/connect');
    expect.soft(asDeployed.status, explain(asDeployed)).toBe(503);
    expect.soft(asDeployed.json(), explain(asDeployed)).toEqual({ code: 'stberror.Errors.Integration.NotConfigured', httpStatusCode: 503, message: expect.any(String) });
    // The operator fills it in (docs/deploy.md); functions read it at their next cold start.
    const secret = h.assembly.secrets.find((s) => s.arn === connect.environment.INTEGRATIONS_SECRET_ARN)!;
    h.stub.putSecretValue(secret.arn, JSON.stringify({ sixshop: simulator.config.sixshop.clientSecret, donus: simulator.config.donus.clientSecret }));
    h.lambda.recycle(connect);

    const started = await ok<{ authorizeUrl: string }>('POST', '/v2/integrations/sixshop/connect');
    // The user's browser (issue 14): our start page binds the flow to it with a cookie and sends
    // it to the provider, whose consent redirects back to our callback; the callback's page names
    // the workspace, and only its confirm button connects.
    const start = await call('GET', started.authorizeUrl, { key: null, headers: { Accept: 'text/html' } });
    expect(start.status, explain(start)).toBe(302);
    const cookie = (start.headers['Set-Cookie'] ?? start.headers['set-cookie'] ?? '').split(';')[0]!;
    expect(cookie).toMatch(/^nl_oauth_sixshop=/);
    const consent = await fetch(start.headers.Location ?? start.headers.location!, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callback = usable(await call('GET', consent.headers.get('location')!, { key: null, headers: { Accept: 'text/html', Cookie: cookie } }));
    expect(callback.status, explain(callback)).toBe(200);
    const page = callback.body.toString('utf8');
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1]?.replace(/&amp;/g, '&');
    const formState = /name="state" value="([^"]*)"/.exec(page)?.[1];
    expect(action && formState, page.slice(0, 300)).toBeTruthy();
    const confirmed = usable(
      // The page's action is a path on the API's host (the stage included).
      await call('POST', action!.startsWith('/') ? `${new URL(started.authorizeUrl).origin}${action!}` : action!, {
        key: null,
        headers: { Accept: 'text/html', Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ state: formState!, decision: 'confirm' }).toString(),
      }),
    );
    expect(confirmed.status, explain(confirmed)).toBe(200);
    expect((await ok<Array<{ provider: string; connected: boolean }>>('GET', '/v2/integrations')).find((i) => i.provider === 'sixshop')?.connected).toBe(true);

    state.linkedListId = (await ok<{ id: number }>('POST', '/v2/lists', { name: '식스샵 회원', ...listBasics, kind: 'sixshop' })).id;
    const job = await ok<{ jobId: string }>('POST', `/v2/lists/${state.linkedListId}/imports`);
    state.jobId = job.jobId;
    const execution = h.stub.executions.at(-1)!;
    expect(execution.startedBy).toBe(fnOf('imports-start').path);
    await execution.done;
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    const done = await ok<{ status: string; membersRead: number }>('GET', `/v2/lists/${state.linkedListId}/imports/${job.jobId}`);
    expect(done).toMatchObject({ status: 'completed', membersRead: MEMBERS });
    expect(await ok('GET', `/v1/lists/${state.linkedListId}/subscribers/count`)).toBe(MEMBERS);
    expect(h.stepFunctions.refusedTasks).toEqual([]);

    // A provider that keeps failing one page: Retry, then Catch, compensation and the sweep; the list stays as it was.
    simulator.control.sixshop.set({ failPages: { 2: 100 } });
    const failing = await ok<{ jobId: string }>('POST', `/v2/lists/${state.linkedListId}/imports`);
    const second = h.stub.executions.at(-1)!;
    await second.done;
    simulator.control.sixshop.set({ failPages: {} });
    expect(second.status).toBe('FAILED');
    expect(second.error?.error).toBe('ImportFailed');
    expect((await ok<{ status: string }>('GET', `/v2/lists/${state.linkedListId}/imports/${failing.jobId}`)).status).toBe('failed');
    expect(await ok('GET', `/v1/lists/${state.linkedListId}/subscribers/count`)).toBe(MEMBERS);
  }, 600_000);

  it('every other route answers: a 4xx envelope is fine, a crash, a missing module, a timeout or a non-JSON answer is not', async () => {
    const listId = state.listId!;
    const groupId = state.groupId!;
    // Double opt-in: the confirmation mail's link, followed.
    const before = h.stub.mails.length;
    await ok('POST', `/v1/lists/${listId}/subscribers`, { eventOccurredBy: 'SUBSCRIBER', confirmEmailYN: 'Y', subscribers: [{ email: 'heedong@stibee.com', name: '희동' }] });
    const confirmation = h.stub.mails.slice(before).find((m) => m.caller === fnOf('subscribers-subscribe').path);
    const confirmLink = /href="([^"]*\/v1\/subscriptions\/confirm\?[^"]+)"/.exec(String(confirmation?.parsed.html))?.[1];
    expect(confirmLink, String(confirmation?.parsed.html)).toBeDefined();
    expect(usable(await call('GET', confirmLink!.replace(/&amp;/g, '&'), { key: null, headers: { Accept: 'text/html' } })).status).toBe(200);
    const unsubscribeLink = /href="([^"]*\/v1\/subscriptions\/unsubscribe\?[^"]+)"/.exec(String(h.stub.mails.find((m) => String(m.parsed.html).includes('/v1/subscriptions/unsubscribe'))?.parsed.html))?.[1];
    expect(unsubscribeLink).toBeDefined();
    expect(usable(await call('GET', unsubscribeLink!.replace(/&amp;/g, '&'), { key: null, headers: { Accept: 'text/html' } })).status).toBe(200);

    // Issue 15: the subscription form as deployed: its page, then the page's form posted form-encoded (double opt-in).
    expect(usable(await call('PUT', `/v2/lists/${listId}`, { body: { formEnabled: true } })).status).toBe(200);
    const formPage = usable(await call('GET', `/subscriptions/${listId}?groupIds=${groupId}`, { key: null, headers: { Accept: 'text/html' } }));
    expect(formPage.status, explain(formPage)).toBe(200);
    const formAction = /<form method="post" action="([^"]+)"/.exec(formPage.text())?.[1]?.replace(/&amp;/g, '&');
    expect(formAction, formPage.text().slice(0, 1000)).toContain('/public/subscribers?groupIds=');
    const beforeForm = h.stub.mails.length;
    const posted = usable(
      await call('POST', formAction!, { key: null, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' }, body: 'email=form%40stibee.com&name=%ED%8F%BC' }),
    );
    expect(posted.status, explain(posted)).toBe(200);
    expect(posted.text(), explain(posted)).toContain('메일함을 확인해 주세요');
    expect(h.stub.mails.slice(beforeForm).map((m) => m.caller)).toContain(fnOf('forms-submit').path);

    await ok('POST', `/v1/lists/${listId}/groups/${groupId}/subscribers/assign`, ['gildong.go@stibee.com']);
    await ok('POST', `/v1/lists/${listId}/groups/${groupId}/subscribers/release`, ['gildong.go@stibee.com']);
    await ok('PUT', `/v2/lists/${listId}/groups/${groupId}`, { name: 'VVIP' });
    await ok('POST', `/v2/lists/${listId}/fields`, { tag: 'city', label: '도시', type: 'text' });
    await ok('PUT', `/v2/lists/${listId}/fields/city`, { label: '시' });
    await ok('DELETE', `/v2/lists/${listId}/fields/city`);
    const updated = usable(await call('PUT', `/v2/lists/${listId}`, { body: { senderName: '뉴스' } }));
    expect(updated.status, explain(updated)).toBe(200);

    // The public v2 API (issue 13): auth check, list copy, subscribers and groups in its convention.
    expect(await ok('GET', '/v2/auth-check')).toBeUndefined();
    expect((await ok<Array<{ id: number }>>('GET', '/v2/lists')).map((l) => l.id)).toContain(listId);
    const copy = await ok<{ id: number }>('POST', `/v2/lists/${listId}/copy`);
    expect(copy.id).not.toBe(listId);
    await ok('DELETE', `/v2/lists/${copy.id}`);
    await ok('POST', `/v2/lists/${listId}/subscribers`, { subscriber: { email: 'v2@stibee.com', status: 'subscribed' } });
    await ok('POST', `/v2/lists/${listId}/subscribers/batch`, { subscribers: [{ email: 'v2-batch@stibee.com', status: 'subscribed' }] });
    await ok('POST', `/v2/lists/${listId}/subscribers/double-optin`, { subscriber: { email: 'v2-wait@stibee.com', fields: { name: '대기' } } });
    expect((await ok<{ total: number }>('GET', `/v2/lists/${listId}/subscribers/count`)).total).toBeGreaterThanOrEqual(3);
    expect((await ok<Array<{ email: string }>>('GET', `/v2/lists/${listId}/subscribers?limit=100`)).map((x) => x.email)).toContain('v2@stibee.com');
    await ok('PUT', `/v2/lists/${listId}/subscribers/v2@stibee.com`, { fields: { name: '브이투' } });
    expect((await ok<Array<{ id: number }>>('GET', `/v2/lists/${listId}/groups`)).map((g) => g.id)).toContain(groupId);
    await ok('POST', `/v2/lists/${listId}/groups/${groupId}/assign`, { subscriber: 'v2@stibee.com' });
    await ok('POST', `/v2/lists/${listId}/groups/${groupId}/release`, { subscriber: 'v2@stibee.com' });
    await ok('POST', `/v2/lists/${listId}/subscribers/v2@stibee.com/unsubscribe`);
    await ok('DELETE', `/v2/lists/${listId}/subscribers`, { subscribers: ['v2@stibee.com', 'v2-batch@stibee.com'] });

    // Sender addresses (issue 13) through SES v2 identities: one the workspace verified is added at once;
    // a new one is created pending, mailed again (SES: deleted and created anew), and removed.
    const domain = h.assembly.emailIdentities[0];
    expect(await ok('POST', `/v2/lists/${listId}/senders`, { email: `news@${domain}` })).toEqual({ authorized: true });
    const pending = `pending@${domain}`;
    expect(await ok('POST', `/v2/lists/${listId}/senders`, { email: pending })).toEqual({ authorized: false });
    await ok('POST', `/v2/lists/${listId}/senders/${encodeURIComponent(pending)}/verify`);
    expect(h.stub.calls.filter((c) => c.caller === fnOf('senders-verify').path).map((c) => c.action)).toEqual(expect.arrayContaining(['ses:GetEmailIdentity', 'ses:DeleteEmailIdentity', 'ses:CreateEmailIdentity']));
    expect(await ok('GET', `/v2/lists/${listId}/senders`)).toContainEqual({ email: pending, authorized: false });
    await ok('DELETE', `/v2/lists/${listId}/senders/${encodeURIComponent(pending)}`);

    // Webhooks (L10): a public address, which the bundles cannot reach here: attempts fail and are kept.
    const webhook = await ok<{ webhookId?: string; id?: string }>('POST', `/v2/lists/${listId}/webhooks`, { name: 'crm', url: `https://${WEBHOOK_HOST}/hook`, events: ['SUBSCRIBED'] });
    state.webhookId = String(webhook.webhookId ?? webhook.id);
    const w = `/v2/lists/${listId}/webhooks/${state.webhookId}`;
    await ok('GET', `/v2/lists/${listId}/webhooks`);
    await ok('GET', w);
    await ok('PUT', w, { name: 'crm 2' });
    await ok('PUT', `${w}/disable`);
    await ok('PUT', `${w}/enable`);
    usable(await call('POST', `${w}/test`));
    await ok('GET', `${w}/deliveries`);
    await ok('DELETE', w);

    // API keys (W2).
    const key = await ok<{ keyId: string }>('POST', '/v1/api-keys', { name: 'second' });
    await ok('PUT', `/v1/api-keys/${key.keyId}/deactivate`);
    await ok('PUT', `/v1/api-keys/${key.keyId}/activate`);
    await ok('DELETE', `/v1/api-keys/${key.keyId}`);

    // Automated emails: read, edit, the API trigger (A3a), pause, end, delete.
    await ok('GET', '/v2/automations');
    await ok('GET', `/v2/automations/${state.welcomeId}`);
    const draft = await ok<{ automationId: number; apiEndpoint?: string }>('POST', '/v2/automations', {
      listId: state.autoListId,
      name: 'api',
      senderName: '뉴스레터',
      senderEmail: `news@${h.assembly.emailIdentities[0]}`,
      subject: '코드 $%code%$',
      html: '<p>$%code%$</p>',
      triggers: [{ type: 'api' }],
    });
    await ok('PUT', `/v2/automations/${draft.automationId}`, {
      name: 'api (edited)',
      senderName: '뉴스레터',
      senderEmail: `news@${h.assembly.emailIdentities[0]}`,
      subject: '코드 $%code%$',
      html: '<p>$%code%$</p>',
      triggers: [{ type: 'api' }],
    });
    const running = await ok<{ apiEndpoint: string }>('POST', `/v2/automations/${draft.automationId}/start`);
    usable(await call('POST', running.apiEndpoint, { body: { subscriber: 'gildong.go@stibee.com', code: '1234' } }));
    await ok('POST', `/v2/automations/${draft.automationId}/pause`);
    await ok('POST', `/v2/automations/${draft.automationId}/end`);
    await ok('DELETE', `/v2/automations/${draft.automationId}`);
    await ok('POST', `/v2/automations/${state.delayedId}/queue/remove`, { all: true });

    // SES events through SNS (M2), as SNS posts them: text/plain. An unsigned message is refused.
    const sns = usable(
      await call('POST', '/v1/ses/notifications', {
        key: null,
        headers: { 'Content-Type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
        body: JSON.stringify({ Type: 'Notification', MessageId: 'm-1', TopicArn: fnOf('ses-notifications').environment.SES_EVENTS_TOPIC_ARN, Message: '{}', Timestamp: new Date().toISOString(), SignatureVersion: '1', Signature: 'AAAA', SigningCertURL: 'https://example.com/cert.pem' }),
      }),
    );
    expect(sns.status, explain(sns)).toBe(403);

    // issue 11 (1): the documentation pages have no table and no secret.
    const docs = await call('GET', '/docs', { key: null, headers: { Accept: 'text/html' } });
    expect.soft(docs.status, explain(docs)).toBe(200);
    const openapi = await call('GET', '/docs/openapi.json', { key: null });
    expect.soft(openapi.status, explain(openapi)).toBe(200);
    if (openapi.status === 200) expect(openapi.json<{ openapi: string }>().openapi).toMatch(/^3\.1/);
    // The page's Swagger UI files: copied beside the docs-asset bundle by its commandHooks.
    const assets = [...new Set([...docs.text().matchAll(/(?:src|href)="([^"]*\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]!))];
    expect(assets.length, docs.text().slice(0, 2000)).toBeGreaterThan(0);
    for (const asset of assets) {
      const file = await call('GET', new URL(asset, `${h.gateway.baseUrl}/docs`).href, { key: null });
      expect(file.status, explain(file)).toBe(200);
      expect(file.headers['Content-Type'] ?? file.headers['content-type'], explain(file)).toMatch(/^text\/(javascript|css)/);
      expect(file.body.length, explain(file)).toBeGreaterThan(10_000);
    }

    await ok('DELETE', '/v2/integrations/sixshop');
    await ok('DELETE', `/v2/lists/${listId}`);

    // Whatever route of the template this file did not call yet (a route added later) gets one generic request.
    const called = new Set(h.gateway.log.map((l) => l.operationName));
    const values: Record<string, string> = { listId: String(state.autoListId), groupId: '1', automationId: String(state.welcomeId), webhookId: 'w1', keyId: 'k1', tag: 'name', provider: 'donus', jobId: state.jobId!, token: 'x'.repeat(24), key: 'k'.repeat(24), action: 'pause', operation: 'remove', email: `news@${domain}`, subscriber: 'gildong.go@stibee.com', file: 'nothing.js' };
    for (const route of h.assembly.routes.filter((r) => !called.has(r.operationName))) {
      const path = route.path.replace(/\{(\w+)\+?\}/g, (_, name: string) => values[name] ?? 'x');
      usable(await call(route.method, path, route.method === 'POST' || route.method === 'PUT' ? { body: {} } : {}));
    }
  }, 600_000);

  it('the workers: the one-minute rule runs the webhooks worker, whose delivery attempt is refused off loopback', async () => {
    const rule = h.assembly.rules.find((r) => r.targets.some((t) => t.arn === h.lambda.byArnOrName(h.stream.mapping.functionName).arn));
    expect(rule?.scheduleExpression).toBe('rate(1 minute)');
    for (const fired of await fireRule(h.assembly, h.lambda, rule!)) {
      expect(fired.refused).toBeUndefined();
      noError(fired.result!, `${fired.fn.path} on the schedule`);
    }
    expect(h.stream.missingStreamGrants(), 'the worker\'s role reads the stream').toEqual([]);
  });

  it('covers every function of the template, with no IAM denial, no unknown AWS call and no address off loopback but the webhook\'s', () => {
    const invoked = new Set(h.lambda.invocations.map((i) => i.function));
    const all = h.assembly.functions.map((f) => f.path).sort();
    expect(all.filter((f) => !invoked.has(f)), 'functions never invoked').toEqual([]);
    expect([...invoked].sort()).toEqual(all);
    expect(h.stub.denials, 'calls the caller\'s IAM policy does not allow').toEqual([]);
    expect(h.stub.unexpected, 'AWS calls the stub does not know').toEqual([]);
    expect(h.lambda.refusals.filter((r) => r.host !== WEBHOOK_HOST), 'non-loopback addresses the bundles tried').toEqual([]);
    expect(h.lambda.invocations.filter((i) => /^(Runtime|Sandbox)\./.test(i.errorType ?? '')), 'crashes, missing modules, timeouts, non-JSON answers').toEqual([]);
    const cold = [...h.lambda.initTimes.values()].flat().sort((a, b) => a - b);
    process.stdout.write(
      `bundle test: ${h.assembly.functions.length} functions from ${h.assembly.templateCount} template(s), ${h.lambda.invocations.length} invocations, ${cold.length} cold starts (bundle import median ${cold[Math.floor(cold.length / 2)]} ms, max ${cold.at(-1)} ms), ${h.stub.calls.length} AWS calls checked\n`,
    );
  });
});
