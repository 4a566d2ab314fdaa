/**
 * Issue 15, the subscription form through HTTP as a browser and an embedded form post to it
 * (reference: list_gather-subscribers_form.md, list_gather-subscribers_automated-categorization.md):
 * the form's settings through the list API, the hosted page, the public endpoint (form-encoded
 * and JSON), groupIds and field values in the query, double opt-in, the honeypot, the per-IP
 * throttle (issue 14), and linked lists refusing it (SPEC I5). The real-browser run is
 * test/i15-form-browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { startTestApp, useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createGroup, createList, snapshot } from './support/lists';
import { connect, linkedList } from './support/integrations';

let app: TestApp;
let api: ApiClient;
useTestApp((started) => ({ app, api } = started));

const fields = [
  { tag: 'name', label: '이름' },
  { tag: 'channel', label: '유입 경로' },
  { tag: 'age', label: '나이', type: 'number' },
];

interface ListView {
  formEnabled: boolean;
  formLanguage: string;
  formConfirmEmail: boolean;
  formTitle: string;
  formDescription: string;
  formFields: string[];
  formUrl: string;
  formActionUrl: string;
}

async function formList(settings: Record<string, unknown> = {}): Promise<{ listId: number; view: ListView }> {
  const listId = await createList(api, '주간 소식', fields);
  const res = await api.put(`/v2/lists/${listId}`, { formEnabled: true, formConfirmEmail: false, ...settings });
  expect(res.status, res.text).toBe(200);
  const view = (await api.get<ListView>(`/v2/lists/${listId}`)).json;
  return { listId, view };
}

const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
const actionOf = (html: string) => unescape(/<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '');

const postForm = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html,application/xhtml+xml,*/*;q=0.8', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

describe('issue 15: the form settings', () => {
  it('every list has a form, off by default, with its settings readable and changeable like the list settings; bad values are refused and change nothing', async () => {
    const listId = await createList(api, 'plain', fields);
    const before = (await api.get<ListView>(`/v2/lists/${listId}`)).json;
    expect(before).toMatchObject({ formEnabled: false, formLanguage: 'ko', formConfirmEmail: true, formTitle: '', formDescription: '', formFields: ['name'] });
    expect(before.formUrl).toBe(`${app.url}/subscriptions/${listId}`);
    expect(before.formActionUrl).toMatch(new RegExp(`^${app.url}/api/v1\\.0/lists/[^/]+/public/subscribers$`));
    // The same key every time it is read (an embedded form keeps working).
    expect((await api.get<ListView>(`/v2/lists/${listId}`)).json.formActionUrl).toBe(before.formActionUrl);

    const page = await fetch(before.formUrl);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('구독 폼을 찾을 수 없습니다');

    for (const bad of [{ formLanguage: 'fr' }, { formEnabled: 'yes' }, { formFields: ['bad tag'] }, { formTitle: 'x'.repeat(201) }]) {
      const res = await api.put(`/v2/lists/${listId}`, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    const set = await api.put(`/v2/lists/${listId}`, { formEnabled: true, formLanguage: 'en', formConfirmEmail: false, formTitle: 'Join us', formDescription: 'Weekly news', formFields: ['channel', 'name'] });
    expect(set.status, set.text).toBe(200);
    const after = (await api.get<ListView>(`/v2/lists/${listId}`)).json;
    expect(after).toMatchObject({ formEnabled: true, formLanguage: 'en', formConfirmEmail: false, formTitle: 'Join us', formDescription: 'Weekly news', formFields: ['channel', 'name'] });
    // The v1 look-up keeps the reference's row shape (issue 13: {id, name, createdTime}), no settings.
    const v1 = await api.get<Record<string, unknown>[]>('/v1/lists');
    expect(Object.keys(v1.body.Value.find((l) => l.id === listId) ?? {}).sort()).toEqual(['createdTime', 'id', 'name']);
  });
});

describe('issue 15: the hosted page and the public endpoint', () => {
  it('the page (Korean by default): lang, labels for every input, the fields the setting names, the query prefilled and carried on the action', async () => {
    const { listId, view } = await formList({ formFields: ['name', 'age'] });
    const group = await createGroup(api, listId);
    const res = await fetch(`${view.formUrl}?groupIds=${group}&name=${encodeURIComponent('스티비')}&channel=facebook`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toMatch(/<html lang="ko">/);
    expect(html).toContain('<h1>주간 소식 구독하기</h1>');
    for (const id of [...html.matchAll(/<input id="([^"]+)"/g)].map((m) => m[1])) expect(html, `label for ${id}`).toContain(`<label for="${id}">`);
    expect(html).toMatch(/name="email" type="email" value=""[^>]* required aria-required="true"/);
    expect(html).toMatch(/name="name" type="text" value="스티비"/);
    expect(html).toMatch(/name="age" type="number"/);
    // channel is not asked for, but its value rides on the action like groupIds.
    expect(html).not.toMatch(/name="channel"/);
    const action = new URL(actionOf(html));
    expect(`${action.origin}${action.pathname}`).toMatch(new RegExp(`^${app.url}/api/v1\\.0/lists/[^/]+/public/subscribers$`));
    expect(Object.fromEntries(action.searchParams)).toEqual({ groupIds: String(group), name: '스티비', channel: 'facebook' });
    // No script and nothing fetched from elsewhere.
    expect(html).not.toMatch(/<script|<link|src="http/);
  });

  it('without double opt-in: subscribed at once with the query groups (a deleted one dropped) and field values; the done page shows when; a second post reveals nothing', async () => {
    const { listId, view } = await formList();
    const group = await createGroup(api, listId);
    const action = `${view.formActionUrl}?groupIds=${group},999999&channel=facebook&unknownKey=x&age=notanumber`;
    const res = await postForm(action, { email: 'Form.One@Example.com', name: '하나', $ad_asked: '1' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('구독이 완료되었습니다');
    expect(html).toMatch(/구독 일시: <time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d \(KST\)<\/time>/);
    const subs = await allSubscribers(api, listId);
    expect(subs.get('form.one@example.com')).toMatchObject({ status: 'subscribed', name: '하나', channel: 'facebook', groupIds: [group], $ad_agreed: 'N' });
    expect(subs.get('form.one@example.com')).not.toHaveProperty('age');
    expect(subs.get('form.one@example.com')).not.toHaveProperty('unknownKey');

    const again = await postForm(action, { email: 'form.one@example.com' });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('구독이 완료되었습니다');
  });

  it('a refused value: the form again (400) with the typed values kept and the error announced and tied to its input; nothing written', async () => {
    const { listId, view } = await formList({ formFields: ['name', 'age'] });
    const before = await snapshot(api, listId);
    const res = await postForm(`${view.formActionUrl}?channel=x`, { email: 'not-an-email', name: '<b>둘</b>' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/<div role="alert"[^>]*><p>입력한 내용을 확인해 주세요\. 올바른 이메일 주소를 입력해 주세요\.<\/p><\/div>/);
    expect(html).toMatch(/id="field-email" name="email" type="email" value="not-an-email"[^>]*aria-invalid="true" aria-describedby="field-email-error" autofocus/);
    expect(html).toContain('id="field-email-error"');
    expect(html).toContain('value="&lt;b&gt;둘&lt;/b&gt;"');
    expect(new URL(actionOf(html)).searchParams.get('channel')).toBe('x');
    const age = await postForm(view.formActionUrl, { email: 'ok@example.com', age: 'many' });
    expect(age.status).toBe(400);
    expect(await age.text()).toMatch(/name="age" type="number" value="many"[^>]*aria-invalid="true"/);
    expect(await snapshot(api, listId)).toEqual(before);
  });

  it('double opt-in when the list asks for it: JSON clients get the v1 envelope, the mail carries the link, the subscriber arrives only when it is followed', async () => {
    const { listId, view } = await formList({ formConfirmEmail: true });
    const group = await createGroup(api, listId);
    const mailsBefore = app.outbox().length;
    const res = await fetch(`${view.formActionUrl}?groupIds=${group}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ email: 'double@example.com', name: '둘', $ad_agreed: 'Y' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ Ok: true, Error: null, Value: { status: 'confirmation-sent' } });
    expect(await counts(api, listId)).toMatchObject({ total: 0 });
    const mails = app.outbox().slice(mailsBefore);
    expect(mails).toHaveLength(1);
    const mail = await simpleParser(mails[0]!);
    expect((mail.to as { text: string }).text).toBe('double@example.com');
    const link = unescape(/href="([^"]+)"/.exec(String(mail.html))![1]!);
    expect((await fetch(link)).status).toBe(200);
    expect((await allSubscribers(api, listId)).get('double@example.com')).toMatchObject({ status: 'subscribed', name: '둘', groupIds: [group], $ad_agreed: 'Y' });

    // The form's own page for it says: check your inbox.
    const html = await (await postForm(view.formActionUrl, { email: 'double2@example.com' })).text();
    expect(html).toContain('메일함을 확인해 주세요');
    expect(html).toContain('role="status"');
  });

  it('the honeypot: a filled one answers like a success and writes and mails nothing', async () => {
    const { listId, view } = await formList({ formConfirmEmail: true });
    const mailsBefore = app.outbox().length;
    const res = await postForm(view.formActionUrl, { email: 'bot@example.com', _homepage: 'http://spam.example' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('메일함을 확인해 주세요');
    expect(await counts(api, listId)).toMatchObject({ total: 0 });
    expect(app.outbox().length).toBe(mailsBefore);
  });

  it('English by the list setting: lang="en", English words on the form and the done page', async () => {
    const { view } = await formList({ formLanguage: 'en' });
    const html = await (await fetch(view.formUrl)).text();
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('<h1>Subscribe to 주간 소식</h1>');
    expect(html).toContain('Email address (required)');
    const done = await (await postForm(actionOf(html), { email: 'en@example.com' })).text();
    expect(done).toMatch(/<html lang="en">/);
    expect(done).toContain('You are subscribed');
  });

  it('refusals: a disabled form, a forged or foreign-purpose key, a disabled list in JSON; nothing written', async () => {
    const { listId, view } = await formList();
    const key = view.formActionUrl.match(/\/lists\/([^/]+)\//)![1]!;
    await api.put(`/v2/lists/${listId}`, { formEnabled: false });
    const before = await snapshot(api, listId);
    expect((await fetch(view.formUrl)).status).toBe(404);
    expect((await postForm(view.formActionUrl, { email: 'a@example.com' })).status).toBe(404);
    const json = await fetch(view.formActionUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: '{"email":"a@example.com"}' });
    expect(json.status).toBe(403);
    expect(((await json.json()) as { Error: { Code: string } }).Error.Code).toBe('FORM_DISABLED');
    await api.put(`/v2/lists/${listId}`, { formEnabled: true });
    const forged = view.formActionUrl.replace(key, `${key.slice(0, -2)}${key.endsWith('AA') ? 'BB' : 'AA'}`);
    const byForged = await fetch(forged, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: '{"email":"a@example.com"}' });
    expect(byForged.status).toBe(404);
    // Keys and tokens made for another purpose naming the list id open no form.
    for (const other of [app.runtime.deps.signer.stableKey('unsubscribe', String(listId)), app.runtime.deps.signer.sign('form', String(listId), 4_000_000_000)]) {
      expect((await postForm(view.formActionUrl.replace(key, encodeURIComponent(other)), { email: 'a@example.com' })).status).toBe(404);
    }
    expect((await fetch(`${app.url}/subscriptions/abc`)).status).toBe(404);
    expect((await fetch(`${app.url}/subscriptions/99999999`)).status).toBe(404);
    expect(await snapshot(api, listId)).toEqual(before);
  });

  it('SPEC I5: a Donus-linked list refuses the form even when it is switched on', async () => {
    const w = await app.newWorkspace();
    await connect(w.api, 'donus');
    const listId = await linkedList(w.api, 'donus');
    expect((await w.api.put(`/v2/lists/${listId}`, { formEnabled: true, formConfirmEmail: false })).status).toBe(200);
    const view = (await w.api.get<ListView>(`/v2/lists/${listId}`)).json;
    expect((await fetch(view.formUrl)).status).toBe(404);
    const res = await fetch(view.formActionUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: 'email=donor%40example.com' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { Error: { Code: string } }).Error.Code).toBe('LIST_LINKED_ADD_REFUSED');
    expect(await counts(w.api, listId)).toMatchObject({ total: 0 });
  });
});

describe('issue 15: the per-IP limit on the form (issue 14 throttle)', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ publicRateLimit: { perSecond: 0.001, burst: 3 } });
  });
  afterAll(() => limited?.close());

  it('a client past its bucket gets 429 PUBLIC_RATE_LIMITED and its post writes nothing', async () => {
    const w = await limited.newWorkspace();
    const listId = await createList(w.api, 'limited', fields);
    await w.api.put(`/v2/lists/${listId}`, { formEnabled: true, formConfirmEmail: false });
    const view = (await w.api.get<ListView>(`/v2/lists/${listId}`)).json;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postForm(view.formActionUrl, { email: `ip${i}@example.com` })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const subs = await allSubscribers(w.api, listId);
    expect([...subs.keys()].sort()).toEqual(['ip0@example.com', 'ip1@example.com', 'ip2@example.com']);
  });
});
