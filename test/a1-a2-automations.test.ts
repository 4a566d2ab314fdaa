/** SPEC A1, A2: automated emails through HTTP: content, states and every illegal transition. */
import { describe, expect, it } from 'vitest';
import { useTestApp, type ApiClient, type TestApp, type TestWorkspace } from './support/app';
import { createGroup, createList } from './support/lists';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import { queryAll } from '#shared/db/batch';
import { verifiedSender } from './support/senders';
import { act, add, baseAutomation, createAutomation, mailsTo, movableClock, settle, waitFor, type AutomationView } from './support/automations';

const clock = movableClock();
let app: TestApp;
let api: ApiClient;
useTestApp((s) => ({ app, api } = s), { clock, schedulerIntervalMs: 50 });

const get = async (id: number) => (await api.get<AutomationView>(`/v2/automations/${id}`)).json;

describe('A1 content', () => {
  it('A1: create, read, list, edit and delete an automated email with every setting', async () => {
    const listId = await createList(api, 'a1', [{ tag: 'name', label: '이름' }, { tag: 'birthday', label: '생일', type: 'date' }]);
    const groupId = await createGroup(api, listId, 'vip');
    const full = baseAutomation(listId, {
      preheader: 'Preview $%name%$',
      triggers: [{ type: 'subscriberAdded', includeAdminAdded: true }, { type: 'groupAdded', groupId }],
      triggerMatch: 'any',
      allowDuplicates: true,
      quietPeriodMinutes: 60,
      filter: { match: 'all', conditions: [{ type: 'field', field: 'name', op: 'notEmpty' }, { type: 'group', groupId, op: 'in' }] },
      delay: { value: 2, unit: 'days' },
      sendWindow: { days: [1, 2, 3, 4, 5], from: '10:00', to: '17:00' },
      recurrence: 'weekly',
      timeZone: 'Europe/Berlin',
    });
    await verifiedSender(api, listId, full.senderEmail);
    const created = await api.post<AutomationView>('/v2/automations', full);
    expect(created.status, created.text).toBe(201);
    const { listId: _l, ...content } = full;
    expect(created.json).toMatchObject({ ...content, listId, state: 'draft', startAt: null, endAt: null });
    const id = created.json.automationId;
    expect(await get(id)).toMatchObject({ automationId: id, state: 'draft', timeZone: 'Europe/Berlin' });
    const listed = await api.get<AutomationView[]>(`/v2/automations?listId=${listId}`);
    expect(listed.json.map((a) => a.automationId)).toEqual([id]);
    expect((await api.get<AutomationView[]>('/v2/automations')).json.map((a) => a.automationId)).toContain(id);

    const edited = await api.put<AutomationView>(`/v2/automations/${id}`, { ...content, subject: 'Changed' });
    expect(edited.status, edited.text).toBeLessThan(300);
    expect((await get(id)).subject).toBe('Changed');
    expect((await get(id)).timeZone).toBe('Europe/Berlin');

    const deleted = await api.del(`/v2/automations/${id}`);
    expect(deleted.status, deleted.text).toBeLessThan(300);
    expect((await api.get(`/v2/automations/${id}`)).error?.code).toBe('stberror.Errors.Email.NoSuchEmail');
  });

  it('A1/R1: bad content is refused with a clear error and nothing is created', async () => {
    const listId = await createList(api, 'bad');
    const before = (await api.get<AutomationView[]>(`/v2/automations?listId=${listId}`)).json.length;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ senderEmail: 'not-an-email' }, 'INVALID_REQUEST'],
      [{ triggers: [] }, 'INVALID_REQUEST'],
      [{ triggers: [{ type: 'nonsense' }] }, 'INVALID_REQUEST'],
      [{ timeZone: 'Mars/Olympus' }, 'INVALID_REQUEST'],
      [{ sendWindow: { days: [8], from: '10:00', to: '11:00' } }, 'INVALID_REQUEST'],
      [{ sendWindow: { days: [1], from: '25:00', to: '11:00' } }, 'INVALID_REQUEST'],
      [{ delay: { value: -1, unit: 'days' } }, 'INVALID_REQUEST'],
      [{ triggers: [{ type: 'anniversary', field: 'name' }] }, 'AUTOMATION_INVALID'],
      [{ triggers: [{ type: 'anniversary', field: 'nope' }] }, 'AUTOMATION_INVALID'],
      [{ triggers: [{ type: 'groupAdded', groupId: 999999 }] }, 'AUTOMATION_INVALID'],
      [{ triggers: [{ type: 'emailOpened', automationId: 999999 }] }, 'AUTOMATION_INVALID'],
      [{ filter: { conditions: [{ type: 'field', field: 'nope', op: 'eq', value: 1 }] } }, 'AUTOMATION_INVALID'],
      [{ endAt: '2000-01-01T00:00:00Z' }, 'AUTOMATION_INVALID'],
      [{ unknownKey: 1 }, 'INVALID_REQUEST'],
    ];
    // The v2 convention (issue 13): HTTP 400, the code in the yml's style.
    const v2Code: Record<string, string> = { INVALID_REQUEST: 'stberror.Errors.Data.InvalidRequest', AUTOMATION_INVALID: 'stberror.Errors.Email.IncompleteEmail' };
    for (const [extra, code] of cases) {
      const res = await api.post('/v2/automations', baseAutomation(listId, extra));
      expect(res.status, res.text).toBe(400);
      expect(res.error?.code, `${JSON.stringify(extra)} → ${res.text}`).toBe(v2Code[code]);
    }
    const anniversaryRecurs = await api.post('/v2/automations', baseAutomation(listId, { triggers: [{ type: 'anniversary', field: 'name' }], recurrence: 'daily' }));
    expect(anniversaryRecurs.error).toBeDefined();
    expect((await api.post('/v2/automations', '{bad json')).error?.code).toBe('stberror.Errors.Data.InvalidRequest');
    expect((await api.post('/v2/automations', baseAutomation(999999))).error?.code).toBe('stberror.Errors.Authorization.PermissionDenied');
    expect((await api.get<AutomationView[]>(`/v2/automations?listId=${listId}`)).json.length).toBe(before);
  });

  it('W1: another workspace cannot see, change or use an automated email, nor create one in a foreign list', async () => {
    const listId = await createList(api, 'mine');
    const a = await createAutomation(api, listId);
    const other: TestWorkspace = await app.newWorkspace();
    expect((await other.api.get(`/v2/automations/${a.automationId}`)).error?.code).toBe('stberror.Errors.Email.NoSuchEmail');
    expect((await other.api.post(`/v2/automations/${a.automationId}/start`)).error?.code).toBe('stberror.Errors.Email.NoSuchEmail');
    expect((await other.api.del(`/v2/automations/${a.automationId}`)).error?.code).toBe('stberror.Errors.Email.NoSuchEmail');
    expect((await other.api.post('/v2/automations', baseAutomation(listId))).error?.code).toBe('stberror.Errors.Authorization.PermissionDenied');
    expect((await other.api.get<AutomationView[]>('/v2/automations')).json).toEqual([]);
    expect((await get(a.automationId)).state).toBe('draft');
  });
});

describe('A2 states', () => {
  it('A2: draft → running → paused → running → ended; ended is final', async () => {
    const listId = await createList(api, 'states');
    const a = await createAutomation(api, listId);
    const id = a.automationId;
    const step = async (action: string, state: string) => {
      const res = await act(api, id, action);
      expect(res.status, `${action}: ${res.text}`).toBeLessThan(300);
      expect(res.json.state).toBe(state);
    };
    await step('start', 'running');
    await step('pause', 'paused');
    await step('resume', 'running');
    await step('end', 'ended');
    for (const action of ['start', 'schedule', 'cancel-schedule', 'pause', 'resume', 'end']) {
      const res = await act(api, id, action, action === 'schedule' ? { startAt: new Date(clock.now().getTime() + 3_600_000).toISOString() } : undefined);
      expect(res.status).toBe(400);
      expect(res.error?.code).toBe('stberror.Errors.Email.WrongStatus');
      expect(res.error?.message).toContain('ended');
    }
    const edit = await api.put(`/v2/automations/${id}`, baseAutomation(listId, { listId: undefined }));
    expect(edit.error?.code).toBe('stberror.Errors.Email.WrongStatus');
    expect((await api.del(`/v2/automations/${id}`)).status).toBeLessThan(300);
  });

  it('A2: every illegal transition is refused naming the current state, and changes nothing', async () => {
    const listId = await createList(api, 'illegal');
    const { listId: _l, ...content } = baseAutomation(listId);
    const id = (await createAutomation(api, listId)).automationId;
    const refused = async (action: string, state: string) => {
      const res = await act(api, id, action);
      expect(res.error?.code, `${action} in ${state}`).toBe('stberror.Errors.Email.WrongStatus');
      expect(res.error?.message).toContain(`current state is ${state}`);
      expect((await get(id)).state).toBe(state);
    };
    for (const action of ['cancel-schedule', 'pause', 'resume', 'end']) await refused(action, 'draft');
    await act(api, id, 'start');
    for (const action of ['start', 'schedule', 'cancel-schedule', 'resume']) await refused(action, 'running');
    // Editing and deleting a running email are refused too.
    expect((await api.put(`/v2/automations/${id}`, content)).error?.message).toContain('running');
    expect((await api.del(`/v2/automations/${id}`)).error?.code).toBe('stberror.Errors.Email.WrongStatus');
    await act(api, id, 'pause');
    for (const action of ['start', 'schedule', 'cancel-schedule', 'pause']) await refused(action, 'paused');
    // Paused: editing is allowed.
    const edit = await api.put<AutomationView>(`/v2/automations/${id}`, { ...content, subject: 'Paused edit' });
    expect(edit.json.subject).toBe('Paused edit');
    expect((await act(api, id, 'unknown-action')).error?.code).toBe('stberror.Errors.Data.InvalidRequest');
  });

  it('A2: scheduled start happens on its own at the minute; cancel returns to draft for editing; end time ends it', async () => {
    const listId = await createList(api, 'sched');
    const id = (await createAutomation(api, listId)).automationId;
    const startAt = new Date(Math.ceil(clock.now().getTime() / 60_000) * 60_000 + 10 * 60_000);
    const endAt = new Date(startAt.getTime() + 60 * 60_000);
    const past = await act(api, id, 'schedule', { startAt: new Date(clock.now().getTime() - 60_000).toISOString() });
    expect(past.error?.code).toBe('stberror.Errors.Email.IncompleteEmail');
    expect((await act(api, id, 'schedule', { startAt: startAt.toISOString(), endAt: endAt.toISOString() })).json.state).toBe('scheduled');
    // Scheduled: editing needs a cancel first.
    const edit = await api.put(`/v2/automations/${id}`, { ...baseAutomation(listId), listId: undefined });
    expect(edit.error?.code).toBe('stberror.Errors.Email.WrongStatus');
    expect(edit.error?.message).toContain('scheduled');
    expect((await act(api, id, 'cancel-schedule')).json.state).toBe('draft');
    expect((await act(api, id, 'schedule', { startAt: startAt.toISOString(), endAt: endAt.toISOString() })).json).toMatchObject({
      state: 'scheduled',
      startAt: startAt.toISOString(),
      endAt: endAt.toISOString(),
    });
    // Events before the start are not remembered.
    await add(api, listId, [{ email: 'early@example.com', name: 'Early' }]);
    await settle();
    clock.set(new Date(startAt.getTime() - 30_000));
    await settle(300);
    expect((await get(id)).state).toBe('scheduled');
    clock.set(new Date(startAt.getTime() + 1_000));
    expect((await waitFor(() => get(id), (a) => a.state === 'running')).state).toBe('running');
    expect(await mailsTo(app, 'early@example.com')).toHaveLength(0);
    await add(api, listId, [{ email: 'ontime@example.com', name: 'On time' }]);
    expect(await waitFor(() => mailsTo(app, 'ontime@example.com'), (m) => m.length === 1)).toHaveLength(1);
    clock.set(new Date(endAt.getTime() + 1_000));
    expect((await waitFor(() => get(id), (a) => a.state === 'ended')).state).toBe('ended');
    await add(api, listId, [{ email: 'late@example.com', name: 'Late' }]);
    await settle();
    expect(await mailsTo(app, 'late@example.com')).toHaveLength(0);
  });

  it('A1/L1: deleting a list deletes its automated emails, their queues and entries, and every subscriber item', async () => {
    const listId = await createList(api, 'doomed', [{ tag: 'name', label: '이름' }, { tag: 'phone', label: '전화번호', type: 'phone' }]);
    const a = await createAutomation(api, listId, { delay: { value: 1, unit: 'days' } });
    await act(api, a.automationId, 'start');
    await add(api, listId, [{ email: 'gone1@example.com', phone: '010-1234-5678' }, { email: 'gone2@example.com' }]);
    await waitFor(async () => (await api.get<{ items: unknown[] }>(`/v2/automations/${a.automationId}/queue`)).json.items.length, (n) => n === 2);
    const { deps } = app.runtime;
    const itemsOf = async (pks: string[]) =>
      (await Promise.all(pks.map((pk) => queryAll(deps.db, { TableName: deps.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk } })))).flat();
    const pks = [keys.pendingPartition(a.automationId), ...Array.from({ length: SUBSCRIBER_SHARDS }, (_, s) => keys.subscriberPartition(listId, 1, s)), keys.phone(listId, 1, '01012345678').PK];
    const before = await itemsOf(pks);
    // Two queued sends, two subscribers with their counters, and the phone guard.
    expect(before.filter((i) => String(i.PK).startsWith('PHONE#'))).toHaveLength(1);
    expect(before.filter((i) => String(i.SK).startsWith('S#'))).toHaveLength(2);
    expect(before.filter((i) => String(i.PK).startsWith('AUTOQ#'))).toHaveLength(2);
    expect((await api.del(`/v2/lists/${listId}`)).status).toBeLessThan(300);
    expect((await api.get(`/v2/automations/${a.automationId}`)).error?.code).toBe('stberror.Errors.Email.NoSuchEmail');
    expect(app.runtime.scheduler.entries().some((e) => e.name.startsWith(`auto-${a.automationId}-`))).toBe(false);
    expect(await itemsOf(pks)).toEqual([]);
  });
});
