/**
 * SPEC W1: nothing of one workspace is visible to another. Every authenticated route of the route
 * table that takes an id is called with a key of workspace A and ids of workspace B; new routes
 * are covered as soon as they are in shared/routes.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes, type RouteDefinition } from '#shared/routes';
import { startTestApp, type ApiClient, type TestApp } from './support/app';
import { createGroup, createList, snapshot, subscribe, withPhone } from './support/lists';
import { connect, linkedList, startImport } from './support/integrations';
import { verifiedSender } from './support/senders';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

/** v1 writes answer their refusals in an HTTP 200 (issue 13, shared/http/conventions/v1.ts); the envelope says 404. */
const v1Write = (route: { method: string; path: string }) => route.path.startsWith('/v1/') && route.method !== 'GET';

const notFoundCodes = ['LIST_NOT_FOUND', 'GROUP_NOT_FOUND', 'API_KEY_NOT_FOUND', 'WEBHOOK_NOT_FOUND', 'AUTOMATION_NOT_FOUND', 'IMPORT_NOT_FOUND'];
/** The same refusals in the v2 convention (issue 13; shared/http/conventions/v2-errors.ts): HTTP 400, the yml's codes. */
const v2NotFoundCodes = [
  'stberror.Errors.Authorization.PermissionDenied',
  'stberror.Errors.List.NoSuchGroup',
  'stberror.Errors.Webhook.NoSuchWebhook',
  'stberror.Errors.Email.NoSuchEmail',
  'stberror.Errors.Integration.NoSuchImport',
];
const isV2 = (r: RouteDefinition) => r.path.startsWith('/v2/');

/** A refusal that names nothing of the other workspace, in the route's version's shape. */
function expectNotFound(route: RouteDefinition, res: Awaited<ReturnType<ApiClient['request']>>, what: string, v1Codes = notFoundCodes, v2Codes = v2NotFoundCodes) {
  if (isV2(route)) {
    expect(res.status, `${what} -> ${res.text}`).toBe(400);
    expect(v2Codes, what).toContain(res.error?.code);
    expect(res.error?.httpStatusCode, what).toBe(400);
    return;
  }
  // A v1 write reports the refusal in the envelope of an HTTP 200, as the original (issue 13).
  expect(res.status, `${what} -> ${res.text}`).toBe(v1Write(route) ? 200 : 404);
  expect(res.body.Ok, what).toBe(false);
  expect(v1Codes, what).toContain(res.body.Error?.Code);
  expect(res.body.Error?.HttpStatusCode, what).toBe(404);
  expect(res.body.Value, what).toBeNull();
}

let app: TestApp;
let receiver: WebhookReceiver;
let receiverUrl: string;

beforeAll(async () => {
  app = await startTestApp({ webhookWorker: { intervalMs: 50 } });
  receiver = await startWebhookReceiver();
  receiverUrl = receiver.url;
});
afterAll(async () => {
  await app.close();
  await receiver.close();
});

interface Fixture {
  /** A value for every path parameter of the route table. */
  values: Record<string, string>;
  emails: [string, string];
  listName: string;
}

/** A list with fields, a group, two subscribers (one unsubscribed), a webhook and optionally one more key. */
async function fixture(api: ApiClient, owner: string, withKey: boolean): Promise<Fixture> {
  const listName = `${owner}의 주소록`;
  const listId = await createList(api, listName, [...withPhone, { tag: 'city', label: '도시' }]);
  const groupId = await createGroup(api, listId, `${owner} group`);
  const emails: [string, string] = [`${owner}-one@x.com`, `${owner}-two@x.com`];
  await subscribe(api, listId, {
    groupIds: [groupId],
    subscribers: [
      { email: emails[0], name: `${owner} 하나`, phone: '010-2222-3333', city: '서울' },
      { email: emails[1], name: `${owner} 둘`, city: '부산' },
    ],
  });
  await api.put(`/v1/lists/${listId}/subscribers/unsubscribe`, [emails[1]]);
  // Created after the writes above, so only a leaked write would ever reach it.
  const hook = await api.post<{ webhookId: string }>(`/v2/lists/${listId}/webhooks`, {
    name: `${owner} hook`,
    url: `${receiverUrl}/${owner}`,
    events: ['SUBSCRIBED', 'UPDATED', 'UNSUBSCRIBED', 'RESUBSCRIBED', 'DELETED', 'PURGED', 'GROUP_ASSIGNED', 'GROUP_RELEASED'],
  });
  expect(hook.status, hook.text).toBeLessThan(300);
  // A verified sender (automated emails start only from one) and an unverified one (issue 13).
  await verifiedSender(api, listId, 'news@example.com');
  expect((await api.post(`/v2/lists/${listId}/senders`, { email: 'sender@brand.example' })).json).toEqual({ authorized: false });
  const automation = await api.post<{ automationId: number; apiEndpoint: string }>('/v2/automations', automationBody(listId, owner));
  expect(automation.status, automation.text).toBeLessThan(300);
  // A regular email with content (issue 15), from the verified sender.
  const email = await api.post<{ id: number }>('/v2/emails', { subject: `${owner} news`, senderEmail: 'news@example.com', senderName: owner, listId });
  expect(email.status, email.text).toBe(200);
  const content = await api.request('POST', `/v2/emails/${email.json.id}/content`, `<p>${owner} content</p>`, { 'Content-Type': 'text/html' });
  expect(content.status, content.text).toBe(200);
  const values: Record<string, string> = {
    emailId: String(email.json.id),
    automationId: String(automation.json.automationId),
    action: 'start',
    operation: 'remove',
    key: automation.json.apiEndpoint.split('/').pop()!,
    listId: String(listId),
    groupId: String(groupId),
    tag: 'city',
    webhookId: hook.json.webhookId,
    // A provider names no one's data (each workspace has its own connection); a job id of another list is not found.
    provider: 'sixshop',
    jobId: 'nosuchjob',
    email: 'sender@brand.example',
    subscriber: emails[0],
  };
  if (withKey) {
    const key = await api.post<{ keyId: string }>('/v1/api-keys', { name: `${owner} key` });
    expect(key.body.Ok, key.text).toBe(true);
    values.keyId = key.body.Value.keyId;
  }
  return { values, emails, listName };
}

const automationBody = (listId: number, owner: string) => ({
  listId,
  name: `${owner} automation`,
  senderEmail: 'news@example.com',
  subject: `${owner} subject`,
  html: '<p>hi</p>',
  triggers: [{ type: 'api' }],
});

/** Valid bodies, naming the other workspace's subscribers, so a leak would really act on them. */
function bodyFor(route: RouteDefinition, f: Fixture): unknown {
  const emails = [...f.emails];
  const bodies: Record<string, unknown> = {
    'subscribers-subscribe': { eventOccurredBy: 'SUBSCRIBER', subscribers: emails.map((email) => ({ email, name: 'hijacked', city: '해킹' })) },
    'subscribers-delete': emails,
    'subscribers-unsubscribe': emails,
    'groups-assign': emails,
    'groups-release': emails,
    'lists-update': { name: 'hijacked', senderName: 'hijacked', useSubscriberAutoDelete: false },
    'fields-create': { tag: 'extra', label: '추가' },
    'fields-update': { label: 'hijacked' },
    'groups-create': { name: 'hijacked' },
    'groups-update': { name: 'hijacked' },
    'webhooks-create': { name: 'hijacked', url: `${receiverUrl}/hijack`, events: ['PURGED'] },
    'webhooks-update': { url: `${receiverUrl}/hijack` },
    'automations-update': (({ listId: _l, ...rest }) => ({ ...rest, subject: 'hijacked' }))(automationBody(1, 'x')),
    'automations-queue-action': { all: true },
    'automations-api-trigger': { subscriber: emails[0] },
    'senders-add': { email: 'sender@brand.example' },
    'v2-subscribers-add': { subscriber: { email: emails[0], status: 'subscribed', fields: { name: 'hijacked' } }, updateEnabled: true },
    'v2-subscribers-batch': { subscribers: emails.map((email) => ({ email, status: 'subscribed', fields: { name: 'hijacked' } })), updateEnabled: true },
    'v2-subscribers-double-optin': { subscriber: { email: `fresh-${f.listName.length}-${Math.random().toString(36).slice(2)}@x.com` } },
    'v2-subscribers-delete': { subscribers: emails },
    'v2-subscribers-update': { fields: { name: 'hijacked' } },
    'v2-groups-assign': { subscriber: emails[0] },
    'v2-groups-release': { subscriber: emails[0] },
    'emails-update': { subject: 'hijacked' },
    'emails-content-set': '<p>hijacked</p>',
  };
  if (route.id in bodies) return bodies[route.id];
  return route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
}

/** State a route needs on the caller's own ids to succeed (activate needs an inactive key...). */
const prepare: Record<string, (api: ApiClient, v: Record<string, string>) => Promise<unknown>> = {
  'api-keys-activate': (api, v) => api.put(`/v1/api-keys/${v.keyId}/deactivate`),
  'webhooks-enable': (api, v) => api.put(`/v2/lists/${v.listId}/webhooks/${v.webhookId}/disable`),
  'emails-cancel-reserve': (api, v) => api.post(`/v2/emails/${v.emailId}/reserve?reserveTime=${kstIn(3_600_000)}`),
  // Imports need a linked list on a connected workspace, and a job of it.
  'imports-start': async (api, v) => {
    await connect(api, 'sixshop');
    v.listId = String(await linkedList(api, 'sixshop'));
  },
  'imports-get': async (api, v) => {
    await connect(api, 'sixshop');
    v.listId = String(await linkedList(api, 'sixshop'));
    v.jobId = (await startImport(api, Number(v.listId))).jobId;
    await app.runtime.workflow.idle();
  },
};

/** Query values some routes need (issue 15's /emails take theirs in the query, as the yml defines). */
const kstIn = (ms: number) => new Date(Date.now() + 9 * 3_600_000 + ms).toISOString().replace(/\D/g, '').slice(0, 14);
const queryFor = (route: RouteDefinition): string =>
  ({ 'emails-tags-assign': '?tagIds=1', 'emails-tags-release': '?tagIds=1', 'emails-reserve': `?reserveTime=${kstIn(3_600_000)}` })[route.id] ?? '';
const headersFor = (route: RouteDefinition): Record<string, string> | undefined => (route.id === 'emails-content-set' ? { 'Content-Type': 'text/html' } : undefined);

const fill = (path: string, values: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => {
    expect(values[name], `no test value for path parameter {${name}}: add it to the fixture`).toBeDefined();
    return encodeURIComponent(values[name]!);
  });

/** Everything workspace B can read about its own data. */
async function everything(api: ApiClient, v: Record<string, string>) {
  const get = async (path: string) => (await api.get(path)).body;
  return {
    lists: await get('/v1/lists'),
    list: await get(`/v2/lists/${v.listId}`),
    fields: await get(`/v2/lists/${v.listId}/fields`),
    groups: await get(`/v1/lists/${v.listId}/groups`),
    senders: await get(`/v2/lists/${v.listId}/senders`),
    v2Subscribers: await get(`/v2/lists/${v.listId}/subscribers?limit=1000`),
    keys: await get('/v1/api-keys'),
    hooks: await get(`/v2/lists/${v.listId}/webhooks`),
    hook: await get(`/v2/lists/${v.listId}/webhooks/${v.webhookId}`),
    deliveries: await get(`/v2/lists/${v.listId}/webhooks/${v.webhookId}/deliveries`),
    groupMembers: await get(`/v1/lists/${v.listId}/subscribers?groupId=${v.groupId}&limit=100`),
    automation: await get(`/v2/automations/${v.automationId}`),
    automationFigures: await get(`/v2/automations/${v.automationId}/dashboard`),
    automationQueue: await get(`/v2/automations/${v.automationId}/queue`),
    email: await get(`/v2/emails/${v.emailId}`),
    emailContent: (await api.get(`/v2/emails/${v.emailId}/content`)).text,
    data: await snapshot(api, Number(v.listId)),
  };
}

/** Path parameters that name something a workspace owns (`{provider}` names a provider, not data). */
const ownedParam = /\{(?!provider\})\w+\}/;
const withIds = routes.filter((r) => r.auth === 'apiKey' && ownedParam.test(r.path));
const paramsOf = (r: RouteDefinition) => [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

describe('W1 isolation', () => {
  it('W1: the route table has id-taking routes for lists, groups, keys and webhooks', () => {
    const params = new Set(withIds.flatMap(paramsOf));
    for (const p of ['listId', 'groupId', 'keyId', 'webhookId', 'tag', 'automationId', 'key']) expect(params).toContain(p);
    expect(withIds.length).toBeGreaterThanOrEqual(25);
  });

  it("W1: every route given workspace B's ids answers not found to workspace A, and B is unchanged", async () => {
    const a = await app.newWorkspace();
    const b = await app.newWorkspace();
    const bf = await fixture(b.api, 'bee', true);
    const before = await everything(b.api, bf.values);
    const receivedBefore = receiver.received.length;

    for (const route of withIds) {
      // Tags are names, not ids: `email` too must answer not found rather than "reserved".
      const variants = paramsOf(route).includes('tag') ? [bf.values, { ...bf.values, tag: 'email' }] : [bf.values];
      for (const values of variants) {
        const path = fill(route.path, values) + queryFor(route);
        const res = await a.api.request(route.method, path, bodyFor(route, bf), headersFor(route));
        const what = `${route.id}: ${route.method} ${path}`;
        expectNotFound(route, res, what);
        for (const secretish of [...bf.emails, bf.listName, bf.values.webhookId!, 'bee group']) {
          expect(res.text, what).not.toContain(secretish);
        }
      }
    }

    // Routes without ids answer A's own things only.
    const aLists = await a.api.get<{ id: number }[]>('/v1/lists');
    // A's lists (null when A has none, as the v1 look-up answers an empty result).
    expect((aLists.body.Value ?? []).map((l) => String(l.id))).not.toContain(bf.values.listId);
    const aKeys = await a.api.get<{ keyId: string }[]>('/v1/api-keys');
    expect(aKeys.body.Value.map((k) => k.keyId)).not.toContain(bf.values.keyId);

    // Give a leaked asynchronous write (webhook fan-out) the time to show.
    await new Promise((r) => setTimeout(r, 500));
    expect(await everything(b.api, bf.values)).toEqual(before);
    expect(receiver.received.slice(receivedBefore).map((r) => r.path).filter((u) => u.startsWith('/bee'))).toEqual([]);
  });

  it("W1: on A's own list, a group or webhook id of B's list answers GROUP_NOT_FOUND / WEBHOOK_NOT_FOUND", async () => {
    const a = await app.newWorkspace();
    const b = await app.newWorkspace();
    const af = await fixture(a.api, 'ant', false);
    const bf = await fixture(b.api, 'bug', false);
    const before = await everything(b.api, bf.values);
    const aBefore = await snapshot(a.api, Number(af.values.listId));
    const mixed = withIds.filter((r) => paramsOf(r).some((p) => p !== 'listId' && p.endsWith('Id')) && paramsOf(r).includes('listId'));
    expect(mixed.length).toBeGreaterThan(5);
    for (const route of mixed) {
      const values = { ...bf.values, listId: af.values.listId! };
      const path = fill(route.path, values);
      const res = await a.api.request(route.method, path, bodyFor(route, af));
      const what = `${route.id}: ${route.method} ${path}`;
      // The yml: releasing from a group that does not exist answers ok (and, as the snapshots below show, changes nothing).
      if (route.id === 'v2-groups-release') {
        expect(res.status, `${what} -> ${res.text}`).toBe(200);
        continue;
      }
      expectNotFound(route, res, what, ['GROUP_NOT_FOUND', 'WEBHOOK_NOT_FOUND', 'IMPORT_NOT_FOUND'], ['stberror.Errors.List.NoSuchGroup', 'stberror.Errors.Webhook.NoSuchWebhook', 'stberror.Errors.Integration.NoSuchImport']);
    }
    expect(await everything(b.api, bf.values)).toEqual(before);
    // Refused requests wrote nothing on A's own list either.
    expect(await snapshot(a.api, Number(af.values.listId))).toEqual(aBefore);
  });

  it('W1: control: the same requests with the caller\'s own ids succeed, so the not-found above is ownership', async () => {
    const a = await app.newWorkspace();
    for (const route of withIds) {
      const own = await fixture(a.api, `own-${route.id}`, paramsOf(route).includes('keyId'));
      await prepare[route.id]?.(a.api, own.values);
      const path = fill(route.path, own.values) + queryFor(route);
      const res = await a.api.request(route.method, path, bodyFor(route, own), headersFor(route));
      expect(res.status, `${route.id}: ${route.method} ${path} -> ${res.text}`).toBeLessThan(300);
    }
    // One fixture per route, and the v2 API brought twenty more routes (issue 13).
  }, 240_000);
});
