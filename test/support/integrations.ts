/** Helpers for the integration tests: the OAuth round trip as a browser makes it, and import polling. */
import { listBasics } from './lists';
import { expect } from 'vitest';
import type { ApiClient, ApiResponse, TestApp } from './app';
import { consentForm, newBrowser, submitConsent, type Browser } from './browser';

export interface ConnectAnswer {
  provider: string;
  authorizeUrl: string;
  state: string;
  expiresAt: string;
}

/** An answer's value in either API shape (the v1 envelope's `Value`, or bare JSON). */
export const valueOf = <T>(res: ApiResponse<T>): T => (res.body && 'Value' in res.body ? res.body.Value : (JSON.parse(res.text) as T));

/** `POST /v2/integrations/{provider}/connect`, checked. */
export async function startConnect(api: ApiClient, provider: 'sixshop' | 'donus'): Promise<ConnectAnswer> {
  const started = await api.post<ConnectAnswer>(`/v2/integrations/${provider}/connect`);
  expect(started.status, started.text).toBe(200);
  return valueOf(started);
}

/**
 * The whole OAuth dance in one browser: connect → our start (binds the browser) → the provider's
 * authorize (the simulator approves) → our callback (the consent page) → the page's confirm
 * button (issue 14). `callback*` is the consent page (or the refusal shown instead of it).
 */
export async function connect(
  api: ApiClient,
  provider: 'sixshop' | 'donus',
  options: { browser?: Browser; decision?: 'confirm' | 'cancel' } = {},
): Promise<{ callbackStatus: number; callbackText: string; confirmStatus?: number; confirmText?: string }> {
  const browser = options.browser ?? newBrowser();
  const started = await startConnect(api, provider);
  const callback = await browser.open(started.authorizeUrl);
  if (!consentForm(callback.text)) return { callbackStatus: callback.status, callbackText: callback.text };
  const confirmed = await submitConsent(browser, callback.text, options.decision ?? 'confirm');
  expect(confirmed.status, confirmed.text).toBe(200);
  return { callbackStatus: callback.status, callbackText: callback.text, confirmStatus: confirmed.status, confirmText: confirmed.text };
}

export async function linkedList(api: ApiClient, provider: 'sixshop' | 'donus', name = `${provider} list`): Promise<number> {
  const res = await api.post<{ id: number }>('/v2/lists', { ...listBasics, name, kind: provider });
  expect(res.status, res.text).toBeLessThan(300);
  return res.json.id;
}

export interface JobView {
  jobId: string;
  status: 'running' | 'completed' | 'failed';
  total: number | null;
  membersRead: number;
  membersWritten: number;
  membersSkipped: number;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  alreadyRunning?: boolean;
}

export async function startImport(api: ApiClient, listId: number) {
  const res = await api.post<JobView>(`/v2/lists/${listId}/imports`);
  expect(res.status, res.text).toBeLessThan(300);
  return res.json;
}

/** Polls the job until it is no longer running, then waits for the execution to end (cleanup included). */
export async function waitForJob(app: TestApp, api: ApiClient, listId: number, jobId: string, timeoutMs = 20_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.get<JobView>(`/v2/lists/${listId}/imports/${jobId}`);
    expect(res.status, res.text).toBeLessThan(300);
    if (res.json.status !== 'running') {
      await app.runtime.workflow.idle();
      return res.json;
    }
    if (Date.now() > deadline) throw new Error(`import ${jobId} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function importNow(app: TestApp, api: ApiClient, listId: number): Promise<JobView> {
  const job = await startImport(api, listId);
  return waitForJob(app, api, listId, job.jobId);
}
