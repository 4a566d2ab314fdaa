/** SPEC I3, I4, I6, I7: imports through the state machine, all or nothing, crash at every step. */
import { afterEach, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import { armCrash, disarmAll, type CrashPoint } from '#shared/imports/faults';
import { STALE_JOB_MS } from '#shared/imports/jobs';
import { handleSesEvent } from '#shared/mail/bounces';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createGroup, snapshot, listBasics } from './support/lists';
import { connect, importNow, linkedList, startImport, waitForJob } from './support/integrations';

let app: TestApp;
useTestApp((started) => {
  app = started.app;
}, { importRetryIntervalMs: 5, importTuning: { pageSize: 40, pageConcurrency: 3, writeConcurrency: 2 } });

const sim = () => app.runtime.simulator!.control;
afterEach(() => {
  disarmAll();
  sim().sixshop.reset();
  sim().donus.reset();
});

/** Items stored under generation `gen` of a list (every shard). */
async function itemsOfGeneration(listId: number, gen: number): Promise<number> {
  let n = 0;
  for (let shard = 0; shard < SUBSCRIBER_SHARDS; shard++) {
    const res = await app.runtime.deps.db.send(
      new QueryCommand({ TableName: app.runtime.deps.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.subscriberPartition(listId, gen, shard) }, Select: 'COUNT' }),
    );
    n += res.Count ?? 0;
  }
  return n;
}

async function listGen(listId: number): Promise<number> {
  const res = await app.runtime.deps.db.send(
    new QueryCommand({ TableName: app.runtime.deps.tableName, KeyConditionExpression: 'PK = :pk AND SK = :sk', ExpressionAttributeValues: { ':pk': keys.list(listId).PK, ':sk': '#META' } }),
  );
  return Number(res.Items![0]!.gen);
}

async function connectedWorkspace(provider: 'sixshop' | 'donus') {
  const w = await app.newWorkspace();
  await connect(w.api, provider);
  const listId = await linkedList(w.api, provider);
  return { ...w, listId };
}

describe('I3 import', () => {
  it('I3: the start answers a job id at once; the job completes with its progress; the list holds the members', async () => {
    sim().sixshop.set({ memberCount: 150 });
    const { api, listId } = await connectedWorkspace('sixshop');
    const started = await startImport(api, listId);
    expect(started.jobId).toMatch(/^[a-z0-9]+$/);
    expect(started.status).toBe('running');
    expect(started.alreadyRunning).toBe(false);
    const done = await waitForJob(app, api, listId, started.jobId);
    expect(done).toMatchObject({ status: 'completed', total: 150, membersRead: 150, membersWritten: 150, membersSkipped: 0, error: null });
    expect(await counts(api, listId)).toEqual({ subscribed: 150, unsubscribed: 0, autoDeleted: 0, total: 150 });
    const members = await allSubscribers(api, listId);
    expect(members.size).toBe(150);
    expect(members.get('member3@sixshop.example.com')).toMatchObject({
      email: 'member3@sixshop.example.com',
      status: 'subscribed',
      name: '회원3',
      phone: '010-0000-0003',
      memberNo: '100003',
      grade: 'VIP',
      birthday: '1973-04-04',
      $ad_agreed: 'N',
    });
    expect(members.get('member4@sixshop.example.com')?.$ad_agreed).toBe('Y');
  });
});

/** Everything a client can read about a list, to prove a failed import changed nothing. */
async function everything(api: ApiClient, listId: number) {
  const list = await api.get<Record<string, unknown>>(`/v2/lists/${listId}`);
  const groups = await api.get(`/v1/lists/${listId}/groups`);
  return { list: list.json, groups: groups.body.Value, data: await snapshot(api, listId) };
}

/** A Donus list after one good import (60 members) with a group holding some of them. */
async function importedList() {
  sim().donus.set({ memberCount: 60 });
  const w = await connectedWorkspace('donus');
  expect((await importNow(app, w.api, w.listId)).status).toBe('completed');
  const groupId = await createGroup(w.api, w.listId, '관리용 그룹');
  const assigned = await w.api.post(`/v1/lists/${w.listId}/groups/${groupId}/subscribers/assign`, ['donor1@donus.example.com', 'donor2@donus.example.com']);
  expect(assigned.body.Ok, assigned.text).toBe(true);
  // The next import would change everything: 30 removed, 30 updated, 30 added.
  sim().donus.set({ memberCount: 60, firstIndex: 30, revision: 2 });
  return { ...w, groupId, gen: await listGen(w.listId) };
}

describe('I4 import semantics', () => {
  it('I4: a second import leaves exactly the provider members (added, updated, removed); groups reset; old generation deleted', async () => {
    const { api, listId, gen } = await importedList();
    const before = await api.get<{ modifiedDate: string; lastImportDate: string }>(`/v2/lists/${listId}`);
    const job = await importNow(app, api, listId);
    expect(job).toMatchObject({ status: 'completed', membersRead: 60, membersWritten: 60 });
    const members = await allSubscribers(api, listId);
    expect([...members.keys()].sort()).toEqual(Array.from({ length: 60 }, (_, i) => `donor${i + 30}@donus.example.com`).sort());
    expect(members.get('donor31@donus.example.com')).toMatchObject({ name: '후원자31 (r2)', donationType: '일시후원', groupIds: [] });
    expect(members.get('donor40@donus.example.com')?.$ad_agreed).toBe('N');
    expect(await counts(api, listId)).toEqual({ subscribed: 60, unsubscribed: 0, autoDeleted: 0, total: 60 });
    // No group left: the v1 look-up answers null (reference/api-webhook_list-api_2024-04-18.md).
    expect((await api.get<unknown[]>(`/v1/lists/${listId}/groups`)).body.Value).toBeNull();
    // I6: the last-updated date is this import.
    const after = await api.get<{ modifiedDate: string; lastImportDate: string }>(`/v2/lists/${listId}`);
    expect(after.json.lastImportDate).toBe(job.finishedAt);
    expect(after.json.lastImportDate > before.json.lastImportDate).toBe(true);
    // GET /v1/lists rows are the reference page's {id, name, createdTime} (issue 13); I6 shows in /v2/lists/{id} above.
    const listed = await api.get<{ id: number }[]>('/v1/lists');
    expect(Object.keys(listed.body.Value.find((l) => l.id === listId)!).sort()).toEqual(['createdTime', 'id', 'name']);
    expect(await itemsOfGeneration(listId, gen)).toBe(0);
    expect(await listGen(listId)).toBeGreaterThan(gen);
  });

  it('I4 (our choice): opt-outs outlive an import: unsubscribed and auto-deleted members keep their status with the fresh data', async () => {
    sim().sixshop.set({ memberCount: 60 });
    const { api, listId, workspaceId } = await connectedWorkspace('sixshop');
    expect((await importNow(app, api, listId)).status).toBe('completed');
    const unsub = await api.put<{ success: string[] }>(`/v1/lists/${listId}/subscribers/unsubscribe`, [
      'member5@sixshop.example.com',
      'member50@sixshop.example.com',
      'member2@sixshop.example.com',
    ]);
    expect(unsub.body.Value.success).toHaveLength(3);
    // A complaint about an email auto-deletes the address (M2), as the SES notification endpoint does.
    const complaint = { notificationType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'member7@sixshop.example.com' }] }, mail: { tags: { workspaceId: [workspaceId] } } };
    expect(await handleSesEvent(app.runtime.deps, JSON.stringify(complaint))).toMatchObject({ kind: 'auto-deleted' });
    // The provider drops members 0-2 (member2's opt-out goes with it), adds 60-62, renames everyone.
    sim().sixshop.set({ memberCount: 60, firstIndex: 3, revision: 2 });
    expect((await importNow(app, api, listId)).status).toBe('completed');

    expect(await counts(api, listId)).toEqual({ subscribed: 57, unsubscribed: 2, autoDeleted: 1, total: 60 });
    const members = await allSubscribers(api, listId);
    expect(members.get('member5@sixshop.example.com')).toMatchObject({ status: 'unsubscribed', name: '회원5 (r2)' });
    expect(members.get('member7@sixshop.example.com')).toMatchObject({ status: 'autoDeleted', name: '회원7 (r2)' });
    expect(members.has('member2@sixshop.example.com')).toBe(false);
    expect(members.get('member61@sixshop.example.com')?.status).toBe('subscribed');
    // The status index agrees (L8 filters read it).
    expect([...(await allSubscribers(api, listId, 'status=unsubscribed')).keys()].sort()).toEqual(['member50@sixshop.example.com', 'member5@sixshop.example.com']);
    expect([...(await allSubscribers(api, listId, 'status=autoDeleted')).keys()]).toEqual(['member7@sixshop.example.com']);
    expect((await allSubscribers(api, listId, 'status=subscribed')).size).toBe(57);
  });

  it('I4 (our choice): an opt-out made while an import runs is kept if its member\'s page is not written yet', async () => {
    sim().sixshop.set({ memberCount: 200 });
    const { api, listId } = await connectedWorkspace('sixshop');
    expect((await importNow(app, api, listId)).status).toBe('completed');
    // Five pages of 40, three at a time, each held 500 ms by the provider: once the first three
    // are written, pages 4 and 5 are still waiting for their members.
    sim().sixshop.set({ memberCount: 200, revision: 2, slowPageMs: 500 });
    const job = await startImport(api, listId);
    for (;;) {
      const state = await api.get<{ membersRead: number; status: string }>(`/v2/lists/${listId}/imports/${job.jobId}`);
      expect(state.json.status).toBe('running');
      if (state.json.membersRead >= 120) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const unsub = await api.put<{ success: string[] }>(`/v1/lists/${listId}/subscribers/unsubscribe`, ['member195@sixshop.example.com']);
    expect(unsub.body.Value.success).toEqual(['member195@sixshop.example.com']);
    expect((await waitForJob(app, api, listId, job.jobId)).status).toBe('completed');
    expect((await allSubscribers(api, listId)).get('member195@sixshop.example.com')).toMatchObject({ status: 'unsubscribed', name: '회원195 (r2)' });
    expect(await counts(api, listId)).toEqual({ subscribed: 199, unsubscribed: 1, autoDeleted: 0, total: 200 });
  });

  it('I4: an import of an empty provider list empties the list', async () => {
    const { api, listId } = await importedList();
    sim().donus.set({ memberCount: 0 });
    expect((await importNow(app, api, listId)).status).toBe('completed');
    expect(await counts(api, listId)).toEqual({ subscribed: 0, unsubscribed: 0, autoDeleted: 0, total: 0 });
  });

  // Each crash point armed more often than the step's retries: the import fails at that step.
  const fatal: [CrashPoint | 'provider-page', string][] = [
    ['prepare', 'Prepare'],
    ['write-page:before', 'WritePage, before writing'],
    ['write-page:after', 'WritePage, after its page was written'],
    ['provider-page', 'WritePage, the provider failing a page'],
    ['switch:before', 'Switch, before its transaction'],
  ];
  for (const [point, step] of fatal) {
    it(`I4: a crash in ${step} leaves the list exactly as it was, and the new generation is deleted`, async () => {
      const { api, listId, gen } = await importedList();
      const before = await everything(api, listId);
      if (point === 'provider-page') sim().donus.set({ failPages: { 1: 100 } });
      else armCrash(point, 100);
      const job = await importNow(app, api, listId);
      expect(job.status).toBe('failed');
      expect(job.error?.code).toBeTruthy();
      disarmAll();
      expect(await everything(api, listId)).toEqual(before);
      expect(await listGen(listId)).toBe(gen);
      const failedGen = gen + 1;
      expect(await itemsOfGeneration(listId, failedGen)).toBe(0);
      // The list is free again: the next import runs and succeeds.
      sim().donus.set({ failPages: {} });
      expect((await importNow(app, api, listId)).status).toBe('completed');
      expect(await counts(api, listId)).toMatchObject({ total: 60 });
    });
  }

  it('I4: a crash just after the switch committed is recognised on retry: the import succeeds once', async () => {
    const { api, listId, gen } = await importedList();
    armCrash('switch:after-commit', 100);
    const job = await importNow(app, api, listId);
    expect(job.status).toBe('completed');
    expect(await counts(api, listId)).toMatchObject({ subscribed: 60, total: 60 });
    expect(await itemsOfGeneration(listId, gen)).toBe(0);
  });

  it('I4: a step that crashes once is retried and the import succeeds', async () => {
    const { api, listId } = await importedList();
    for (const p of ['prepare', 'write-page:before', 'write-page:after', 'switch:before'] as const) armCrash(p, 1);
    sim().donus.set({ failPages: { 1: 1 } });
    const job = await importNow(app, api, listId);
    expect(job).toMatchObject({ status: 'completed', membersWritten: 60 });
    expect(await counts(api, listId)).toMatchObject({ subscribed: 60, total: 60 });
  });

  it('I4: a crash in the compensation itself is retried: the list is unchanged and the generation deleted', async () => {
    const { api, listId, gen } = await importedList();
    const before = await everything(api, listId);
    armCrash('write-page:before', 100);
    armCrash('compensate:before', 2);
    armCrash('compensate:after-release', 2);
    expect((await importNow(app, api, listId)).status).toBe('failed');
    disarmAll();
    expect(await everything(api, listId)).toEqual(before);
    expect(await itemsOfGeneration(listId, gen + 1)).toBe(0);
  });

  it('I4: a crash in Cleanup keeps the import; the next import deletes the old generation', async () => {
    const { api, listId, gen } = await importedList();
    armCrash('cleanup', 100);
    expect((await importNow(app, api, listId)).status).toBe('completed');
    disarmAll();
    expect(await itemsOfGeneration(listId, gen)).toBeGreaterThan(0);
    expect((await importNow(app, api, listId)).status).toBe('completed');
    expect(await itemsOfGeneration(listId, gen)).toBe(0);
    expect(await counts(api, listId)).toMatchObject({ subscribed: 60, total: 60 });
  });

  it('I4: an import whose execution vanished (process killed) is taken over later; its leftovers are deleted', async () => {
    const { api, listId, gen } = await importedList();
    const before = await everything(api, listId);
    sim().donus.set({ slowPageMs: 300 });
    const first = await startImport(api, listId);
    await new Promise((r) => setTimeout(r, 100));
    await app.runtime.workflow.close(); // the execution stops mid-way: no compensation runs
    await new Promise((r) => setTimeout(r, 500));
    sim().donus.set({ slowPageMs: 0 });
    expect(await everything(api, listId)).toEqual(before);
    // Within the lock's lifetime the same job is answered...
    const again = await startImport(api, listId);
    expect(again).toMatchObject({ jobId: first.jobId, alreadyRunning: true });
    // ...after it, a new import takes over and sweeps the vanished one's generation.
    const clock = app.runtime.deps.clock as { now: () => Date };
    const realNow = clock.now;
    // Issue 12: minutes after its last heartbeat, not hours.
    clock.now = () => new Date(Date.now() + STALE_JOB_MS + 60_000);
    try {
      const job = await importNow(app, api, listId);
      expect(job.status).toBe('completed');
    } finally {
      clock.now = realNow;
    }
    const old = await api.get<{ status: string; error: { code: string } }>(`/v2/lists/${listId}/imports/${first.jobId}`);
    expect(old.json).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
    expect(await itemsOfGeneration(listId, gen + 1)).toBe(0);
    expect(await itemsOfGeneration(listId, gen)).toBe(0);
    expect(await counts(api, listId)).toMatchObject({ subscribed: 60, total: 60 });
  });
});

describe('I3 jobs', () => {
  it('I3: one import per list at a time: a second start answers the running job', async () => {
    sim().sixshop.set({ memberCount: 120, slowPageMs: 150 });
    const { api, listId } = await connectedWorkspace('sixshop');
    const first = await startImport(api, listId);
    const second = await startImport(api, listId);
    expect(second).toMatchObject({ jobId: first.jobId, alreadyRunning: true });
    const progress = await api.get<{ status: string; total: number }>(`/v2/lists/${listId}/imports/${first.jobId}`);
    expect(progress.json.status).toBe('running');
    const done = await waitForJob(app, api, listId, first.jobId);
    expect(done.status).toBe('completed');
    const third = await startImport(api, listId);
    expect(third.jobId).not.toBe(first.jobId);
    await waitForJob(app, api, listId, third.jobId);
  });

  it('I1: expired access tokens are refreshed during an import', async () => {
    sim().sixshop.set({ memberCount: 90 });
    const { api, listId } = await connectedWorkspace('sixshop');
    const refreshes = sim().sixshop.stats.refreshes;
    sim().sixshop.expireAccessTokens();
    expect((await importNow(app, api, listId)).status).toBe('completed');
    expect(sim().sixshop.stats.refreshes).toBeGreaterThan(refreshes);
    expect(await counts(api, listId)).toMatchObject({ total: 90 });
  });

  it("W1: a job is found only under its own list and workspace", async () => {
    sim().sixshop.set({ memberCount: 10 });
    const a = await connectedWorkspace('sixshop');
    const b = await connectedWorkspace('sixshop');
    const otherListOfA = await linkedList(a.api, 'sixshop', 'second');
    const job = await importNow(app, a.api, a.listId);
    expect((await a.api.get(`/v2/lists/${otherListOfA}/imports/${job.jobId}`)).error?.code).toBe('stberror.Errors.Integration.NoSuchImport');
    expect((await b.api.get(`/v2/lists/${a.listId}/imports/${job.jobId}`)).error?.code).toBe('stberror.Errors.Authorization.PermissionDenied');
    expect((await b.api.get(`/v2/lists/${b.listId}/imports/${job.jobId}`)).error?.code).toBe('stberror.Errors.Integration.NoSuchImport');
    expect((await b.api.post(`/v2/lists/${a.listId}/imports`)).error?.code).toBe('stberror.Errors.Authorization.PermissionDenied');
  });

  it('I3: imports are refused on a standard list, on a disconnected workspace, and unknown jobs are not found', async () => {
    const { api, listId } = await connectedWorkspace('sixshop');
    const standard = await api.post<{ id: number }>('/v2/lists', { ...listBasics, name: 'plain' });
    expect((await api.post(`/v2/lists/${standard.json.id}/imports`)).error?.code).toBe('stberror.Errors.List.NotLinkedList');
    expect((await api.get(`/v2/lists/${listId}/imports/nosuchjob`)).error?.code).toBe('stberror.Errors.Integration.NoSuchImport');
    await api.del('/v2/integrations/sixshop');
    const refused = await api.post(`/v2/lists/${listId}/imports`);
    expect(refused.error?.code).toBe('stberror.Errors.Integration.NotConnected');
  });
});
