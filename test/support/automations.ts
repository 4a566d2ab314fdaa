/** Helpers of the automated-email tests: a clock tests can move, mail parsing, polling. */
import { expect } from 'vitest';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Clock } from '#shared/ports/clock';
import type { ApiClient, TestApp } from './app';
import { subscribe } from './lists';
import { verifiedSender } from './senders';

/** Real time shifted by an offset the test moves: timers keep running, "now" jumps. */
export function movableClock(start?: Date): Clock & { advance(ms: number): void; set(at: Date): void } {
  let offset = start ? start.getTime() - Date.now() : 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms) => (offset += ms),
    set: (at) => (offset = at.getTime() - Date.now()),
  };
}

export async function waitFor<T>(probe: () => Promise<T> | T, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Lets the embedded worker and scheduler run a few rounds, for asserting that nothing happens. */
export const settle = (ms = 700) => new Promise((r) => setTimeout(r, ms));

export const baseAutomation = (listId: number, extra: Record<string, unknown> = {}) => ({
  listId,
  name: 'welcome',
  senderName: 'News',
  senderEmail: 'news@example.com',
  subject: 'Hello $%name%$',
  html: '<html><body><p>Hello $%name%$</p><a href="https://example.com/offer?a=1&amp;b=2">offer</a></body></html>',
  triggers: [{ type: 'subscriberAdded' }],
  ...extra,
});

export interface AutomationView {
  automationId: number;
  state: string;
  apiEndpoint?: string;
  [k: string]: unknown;
}

/**
 * A draft automated email. Its sender address is first made a verified sender of the list
 * (issue 13: automated emails start only from one), as a user would before starting it.
 */
export async function createAutomation(api: ApiClient, listId: number, extra: Record<string, unknown> = {}): Promise<AutomationView> {
  await verifiedSender(api, listId, String(baseAutomation(listId, extra).senderEmail));
  const res = await api.post<AutomationView>('/v2/automations', baseAutomation(listId, extra));
  expect(res.status, res.text).toBeLessThan(300);
  return res.json;
}

export async function act(api: ApiClient, id: number, action: string, body?: unknown) {
  return api.post<AutomationView>(`/v2/automations/${id}/${action}`, body);
}

export async function started(api: ApiClient, listId: number, extra: Record<string, unknown> = {}): Promise<AutomationView> {
  const a = await createAutomation(api, listId, extra);
  const res = await act(api, a.automationId, 'start');
  expect(res.status, res.text).toBe(200);
  return res.json;
}

export async function add(api: ApiClient, listId: number, subscribers: Array<Record<string, unknown>>, by: 'SUBSCRIBER' | 'MANUAL' = 'SUBSCRIBER', extra: Record<string, unknown> = {}) {
  const res = await subscribe(api, listId, { eventOccurredBy: by, confirmEmailYN: 'N', subscribers, ...extra });
  expect(res.body.Ok, res.text).toBe(true);
  return res;
}

export async function mails(app: TestApp): Promise<ParsedMail[]> {
  return Promise.all(app.outbox().map((raw) => simpleParser(raw)));
}

export const recipients = async (app: TestApp, subjectIncludes?: string) =>
  (await mails(app)).filter((m) => !subjectIncludes || String(m.subject).includes(subjectIncludes)).map((m) => String((m.to as { text: string }).text));

/** Mails to `email` so far (by the To header). */
export const mailsTo = async (app: TestApp, email: string) => (await mails(app)).filter((m) => String((m.to as { text: string }).text) === email);

export async function dashboard(api: ApiClient, id: number) {
  const res = await api.get<Record<string, number> & { recentFailures: unknown[] }>(`/v2/automations/${id}/dashboard`);
  expect(res.status, res.text).toBeLessThan(300);
  return res.json;
}

export async function queue(api: ApiClient, id: number, query = '') {
  const res = await api.get<{ items: Array<{ id: string; email: string; dueAt: string }>; total?: number; hasMore: boolean }>(`/v2/automations/${id}/queue${query}`);
  expect(res.status, res.text).toBeLessThan(300);
  return res.json;
}
