/**
 * Issue 15: the subscription form in a real browser. Debian's Chromium (/usr/bin/chromium;
 * .ci/run installs it, nothing is downloaded) driven by playwright-core, with a fresh profile:
 * it opens the hosted form with `?groupIds=` and a field value, is told about a bad address
 * (announced, focused), fills the form by keyboard and submits it, the confirmation mail lands
 * in the outbox, the browser follows its link, and the API shows the subscriber subscribed with
 * the group and the values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { chromium, type BrowserContext } from 'playwright-core';
import { useTestApp, type ApiClient, type TestApp } from './support/app';
import { allSubscribers, counts, createGroup, createList } from './support/lists';

let app: TestApp;
let api: ApiClient;
useTestApp((started) => ({ app, api } = started));

const CHROMIUM = '/usr/bin/chromium';
let profile: string;
let browser: BrowserContext;

beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'i15-chromium-'));
  // A fresh profile, no network beyond the test app, nothing phoned home.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    locale: 'ko-KR',
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Polls (a loaded machine is slow, never a fixed sleep) for the mail sent to `to` after index `from`. */
async function mailTo(to: string, from: number, deadlineMs = 30_000): Promise<string> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    for (const raw of app.outbox().slice(from)) {
      const mail = await simpleParser(raw);
      if ((mail.to as { text: string } | undefined)?.text === to) return String(mail.html);
    }
    if (Date.now() > until) throw new Error(`no mail to ${to} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('issue 15: the subscription form in headless Chromium', () => {
  it('opens the form, is told about a bad address, submits by keyboard, follows the mailed link: subscribed with the group and the values (L4 double opt-in)', async () => {
    const listId = await createList(api, '브라우저 소식', [
      { tag: 'name', label: '이름' },
      { tag: 'channel', label: '유입 경로' },
    ]);
    const group = await createGroup(api, listId);
    expect((await api.put(`/v2/lists/${listId}`, { formEnabled: true, formConfirmEmail: true, formFields: ['name'] })).status).toBe(200);
    const { formUrl } = (await api.get<{ formUrl: string }>(`/v2/lists/${listId}`)).json;
    const mailsBefore = app.outbox().length;

    const page = await browser.newPage();
    // Evaluated in the page (a string: the project's types have no DOM).
    const focusedName = () => page.evaluate<string | null>('document.activeElement ? document.activeElement.getAttribute("name") : null');
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(app.url)) external.push(r.url());
    });
    const opened = await page.goto(`${formUrl}?groupIds=${group}&channel=instagram`);
    expect(opened?.status()).toBe(200);
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    await expect.poll(() => page.title()).toBe('브라우저 소식 구독하기');

    // Every input is reachable by its label (what a screen reader announces).
    const email = page.getByLabel('이메일 주소 (필수)');
    const name = page.getByLabel('이름');
    expect(await email.getAttribute('required')).not.toBeNull();

    // A bad address: the server's answer is announced and the field has the focus.
    await email.fill('someone@localhost');
    await name.fill('김구독');
    await email.press('Enter');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toContain('올바른 이메일 주소를 입력해 주세요.');
    expect(await focusedName()).toBe('email');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await name.inputValue()).toBe('김구독');

    // Keyboard only: type the address, Tab through name and the consent box to the button (the honeypot is never reached), Enter.
    await page.keyboard.press('Control+A');
    await page.keyboard.type('browser.subscriber@example.com');
    await page.keyboard.press('Tab');
    expect(await focusedName()).toBe('name');
    await page.keyboard.press('Tab');
    expect(await focusedName()).toBe('$ad_agreed');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement ? document.activeElement.tagName : ""')).toBe('BUTTON');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '메일함을 확인해 주세요' }).waitFor();
    expect(await counts(api, listId)).toMatchObject({ total: 0 });

    // The confirmation mail, and its link followed by the browser.
    const html = await mailTo('browser.subscriber@example.com', mailsBefore);
    const link = /href="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const confirmed = await page.goto(link);
    expect(confirmed?.status()).toBe(200);
    await page.getByRole('heading', { name: '구독이 확인되었습니다' }).waitFor();

    const subscriber = (await allSubscribers(api, listId)).get('browser.subscriber@example.com');
    expect(subscriber).toMatchObject({ status: 'subscribed', name: '김구독', channel: 'instagram', groupIds: [group], $ad_agreed: 'Y' });
    // Pages come from the API itself: the browser asked nothing of anyone else.
    expect(external).toEqual([]);
    await page.close();
  }, 180_000);
});
