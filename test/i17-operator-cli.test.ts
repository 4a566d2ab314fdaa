/**
 * Issue 17: the operator CLI on a bad day, run as an operator runs it (`npm run admin -- ...`,
 * a separate process on the data dir of a running local runtime): the figures (stats), the dead
 * letters of every tenant and their replay (the parked work is delivered), an import job and a
 * send by id, and the rotation of the link-signing secret (old links keep working, forged ones
 * do not). Also the per-workspace throttle figure of the local server (SPEC W4).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { apiClient, startTestApp, type ApiClient, type TestApp } from './support/app';
import { createList, subscribe } from './support/lists';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from './support/webhook-receiver';
import { admin } from './support/admin-cli';
import { recipients, started, waitFor } from './support/automations';
import { connect, importNow, linkedList } from './support/integrations';
import { armFault, disarmFaults } from '#shared/runtime/faults';
import { logger } from '#shared/logger';
import { readLocalMetrics } from '#shared/adapters/local-metrics';
import { recentDeadLetters, type DeadLetterSummary } from '#shared/operator/dead-letters';
import { saveLocalState, loadLocalState } from '#shared/local/state';
import { unsubscribeUrl } from '#shared/subscribers/unsubscribe-links';
import { createSigner } from '#shared/signer';

let app: TestApp;
let api: ApiClient;
let workspaceId: string;
let receiver: WebhookReceiver;
let receiverUrl: string;
let received: ReceivedRequest[];

beforeAll(async () => {
  app = await startTestApp({ webhookWorker: { retryBaseMs: 100, intervalMs: 50, maxAttempts: 3 }, schedulerIntervalMs: 50 });
  ({ api, workspaceId } = await app.newWorkspace());
  receiver = await startWebhookReceiver();
  ({ url: receiverUrl, received } = receiver);
}, 120_000);
afterAll(async () => {
  disarmFaults();
  await app?.close();
  await receiver?.close();
});
afterEach(() => {
  disarmFaults();
  vi.restoreAllMocks();
});

describe('issue 17: dead letters, replayed by the operator', () => {
  it('dead-letters lists every kind with the reason and no payload; replay-dead-letter delivers the webhook batch and the automated email; a second replay is refused; stats shows the figures', async () => {
    const listId = await createList(api, 'bad day');
    const hook = await api.post<{ webhookId: string }>(`/v2/lists/${listId}/webhooks`, { name: 'ops', url: `${receiverUrl}/ops`, events: ['SUBSCRIBED'] });
    expect(hook.status, hook.text).toBeLessThan(300);
    const welcome = await started(api, listId, { name: 'ops-welcome', subject: 'Replayed welcome', triggers: [{ type: 'subscriberAdded', includeAdminAdded: true }] });
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const onlyThisList = (c: { listId?: number }) => c.listId === listId;
    armFault('worker:facts', { times: Infinity, when: onlyThisList });
    armFault('worker:fan-out', { times: Infinity, when: onlyThisList });
    const res = await subscribe(api, listId, { eventOccurredBy: 'MANUAL', subscribers: [{ email: 'parked1@ops.example' }, { email: 'parked2@ops.example' }] });
    expect(res.body.Ok, res.text).toBe(true);
    const parked = await waitFor(
      () => recentDeadLetters(app.runtime.deps, { workspaceId }),
      (letters) => letters.some((l) => l.kind === 'facts') && letters.some((l) => l.kind === 'batch'),
      60_000,
    );
    disarmFaults();
    expect(received.filter((r) => r.path === '/ops')).toHaveLength(0);

    const listed = await admin(app, ['dead-letters', '--workspace', workspaceId]);
    expect(listed.code, listed.stderr).toBe(0);
    const letters = JSON.parse(listed.stdout) as DeadLetterSummary[];
    expect(letters.map((l) => l.id).sort()).toEqual(parked.map((l) => l.id).sort());
    const batch = letters.find((l) => l.kind === 'batch')!;
    const facts = letters.find((l) => l.kind === 'facts')!;
    expect(batch).toMatchObject({ scope: `WH#${hook.json.webhookId}`, replayable: true, action: 'SUBSCRIBED', subscribers: 2, reason: expect.stringContaining('InjectedFault') });
    expect(facts).toMatchObject({ scope: expect.stringContaining('AUTO#'), automationId: welcome.automationId, replayable: true });
    // The payload is the operator's: neither the CLI's list nor the tenant's delivery log shows it.
    expect(listed.stdout).not.toContain('"body"');
    const log = await api.get(`/v2/lists/${listId}/webhooks/${hook.json.webhookId}/deliveries`);
    expect(log.text).toContain(batch.id);
    expect(log.text).not.toContain('replay');

    const replayed = await admin(app, ['replay-dead-letter', '--id', batch.id]);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(JSON.parse(replayed.stdout)).toEqual({ id: batch.id, kind: 'batch', requeued: 'delivery' });
    const [delivered] = await waitFor(() => received.filter((r) => r.path === '/ops'), (r) => r.length >= 1, 30_000);
    expect(delivered!.headers['x-webhook-event-id']).toBe(batch.eventId);
    const payload = JSON.parse(delivered!.body) as { action: string; subscribers: Array<{ email: string }> };
    expect(payload.action).toBe('SUBSCRIBED');
    expect(payload.subscribers.map((s) => s.email).sort()).toEqual(['parked1@ops.example', 'parked2@ops.example']);

    const factsReplayed = await admin(app, ['replay-dead-letter', '--id', facts.id]);
    expect(factsReplayed.code, factsReplayed.stderr).toBe(0);
    expect(JSON.parse(factsReplayed.stdout)).toMatchObject({ requeued: 'facts' });
    const mailed = await waitFor(() => recipients(app, 'Replayed welcome'), (r) => r.length >= 2, 30_000);
    expect([...mailed].sort()).toEqual(['parked1@ops.example', 'parked2@ops.example']);

    const again = await admin(app, ['replay-dead-letter', '--id', batch.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no dead letter ${batch.id}`);
    expect(await recentDeadLetters(app.runtime.deps, { workspaceId })).toEqual([]);
    expect(received.filter((r) => r.path === '/ops')).toHaveLength(1);

    // The figures of all this, as `npm run admin -- stats` reads them from the data dir.
    const dataDir = dirname(app.runtime.outboxDir);
    await waitFor(
      () => readLocalMetrics(dataDir)?.figures ?? [],
      (f) => f.some((x) => x.name === 'WebhookDeliveries') && f.some((x) => x.name === 'EmailsSent' && x.sum >= 2),
      10_000,
    );
    const stats = await admin(app, ['stats']);
    expect(stats.code, stats.stderr).toBe(0);
    expect(stats.stdout).toMatch(/DeadLettersParked\s+1\s+Kind=batch/);
    expect(stats.stdout).toMatch(/DeadLettersParked\s+1\s+Kind=facts/);
    expect(stats.stdout).toMatch(/WebhookDeliveries\s+1\b/);
    expect(stats.stdout).toMatch(/EmailsSent\s+2\s+Source=automation/);
    const json = await admin(app, ['stats', '--json']);
    expect(JSON.parse(json.stdout).figures).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'EmailsSent', dimensions: { Source: 'automation' }, sum: 2 })]));
  }, 180_000);
});

describe('issue 17: a job and a send by id', () => {
  it('show-import shows an import job with its figures; show-send an automated send; unknown ids are refused', async () => {
    const w = await app.newWorkspace();
    await connect(w.api, 'sixshop');
    const listId = await linkedList(w.api, 'sixshop');
    const job = await importNow(app, w.api, listId);
    expect(job.status).toBe('completed');
    const shown = await admin(app, ['show-import', '--list', String(listId), '--job', job.jobId]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ job: { jobId: job.jobId, status: 'completed', membersWritten: job.membersWritten }, list: { workspaceId: w.workspaceId, importing: null, lastImportJobId: job.jobId } });
    expect(app.runtime.metrics.total('ImportsCompleted', { Provider: 'sixshop' })).toBeGreaterThanOrEqual(1);
    expect(app.runtime.metrics.total('ImportedMembers', { Provider: 'sixshop' })).toBeGreaterThanOrEqual(job.membersWritten);

    // A send id, as the operator finds it in a log line (sendId) — here straight from the table.
    const items = (await app.runtime.deps.db.send(new ScanCommand({ TableName: app.runtime.deps.tableName, FilterExpression: '#t = :send', ExpressionAttributeNames: { '#t': 'type' }, ExpressionAttributeValues: { ':send': 'send' } }))).Items ?? [];
    const send = items.find((i) => i.status === 'sent')!;
    expect(send, 'an automated send of the test above').toBeDefined();
    const sent = await admin(app, ['show-send', '--send', String(send.sendId)]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ sendId: send.sendId, status: 'sent', email: send.email, automationId: send.automationId });
    expect(JSON.parse(sent.stdout)).not.toHaveProperty('PK');

    const unknown = await admin(app, ['show-import', '--list', String(listId), '--job', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no import job nope');
  }, 120_000);
});

describe('issue 17: throttled requests per workspace (SPEC W4)', () => {
  it('each 429 of the per-workspace throttle counts for its workspace', async () => {
    const slow = await startTestApp({ rateLimit: { perSecond: 1, burst: 1 } });
    try {
      const w = await slow.newWorkspace();
      const other = await slow.newWorkspace();
      const answers = await Promise.all(Array.from({ length: 4 }, () => w.api.get('/v1/lists')));
      const refused = answers.filter((a) => a.status === 429).length;
      expect(refused).toBeGreaterThanOrEqual(1);
      expect((await other.api.get('/v1/lists')).status).toBe(200);
      expect(slow.runtime.metrics.total('ThrottledByWorkspace', { WorkspaceId: w.workspaceId })).toBe(refused);
      expect(slow.runtime.metrics.total('ThrottledByWorkspace', { WorkspaceId: other.workspaceId })).toBe(0);
    } finally {
      await slow.close();
    }
  }, 60_000);
});

describe('issue 17: rotating the link-signing secret', () => {
  it('rotate-link-secret: after it, an unsubscribe link mailed before still works, a forged one does not, and new links are signed with the new secret', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'i17-rotate-'));
    const first = randomBytes(32).toString('hex');
    saveLocalState(dataDir, { signingSecret: first });
    const before = await startTestApp({ dataDir, signingSecret: first });
    const w = await before.newWorkspace();
    const listId = await createList(w.api, 'rotation');
    expect((await subscribe(w.api, listId, { eventOccurredBy: 'MANUAL', confirmEmailYN: 'N', subscribers: [{ email: 'old-link@ops.example' }, { email: 'forged@ops.example' }] })).body.Ok).toBe(true);
    const oldLink = new URL(unsubscribeUrl(before.runtime.deps, w.workspaceId, listId, 'old-link@ops.example'));
    const tableName = before.runtime.deps.tableName;
    await before.close();

    const rotated = await admin(before, ['rotate-link-secret']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).not.toContain(first);
    const state = loadLocalState(dataDir, true);
    expect(state.signingSecret).not.toBe(first);
    expect(state.previousSigningSecrets?.map((p) => p.secret)).toEqual([first]);

    // `npm start` again, as start.ts builds its signer from the state.
    const after = await startTestApp({ dataDir, tableName, signingSecret: { current: state.signingSecret, previous: state.previousSigningSecrets ?? [] } });
    try {
      const open = (link: URL) => fetch(`${after.url}${link.pathname}${link.search}`);
      const forged = new URL(unsubscribeUrl({ ...after.runtime.deps, signer: createSigner('a guessed secret') }, w.workspaceId, listId, 'forged@ops.example'));
      expect((await open(forged)).status).toBe(400);
      const answer = await open(oldLink);
      expect(answer.status, await answer.clone().text()).toBe(200);
      const rows = await apiClient(after.url, w.key).get(`/v1/lists/${listId}/subscribers?status=unsubscribed`);
      expect(rows.text).toContain('old-link@ops.example');
      expect(rows.text).not.toContain('forged@ops.example');
      // New links carry the new secret: the old one alone cannot open them.
      const fresh = new URL(unsubscribeUrl(after.runtime.deps, w.workspaceId, listId, 'forged@ops.example'));
      expect(createSigner(first).verify('unsubscribe', fresh.searchParams.get('token')!, Math.floor(Date.now() / 1000))).toBeNull();
      expect(JSON.parse(readFileSync(join(dataDir, 'local-state.json'), 'utf8')).previousSigningSecrets[0].keepUntil).toEqual(expect.any(String));
    } finally {
      await after.close();
    }
  }, 120_000);
});
