/** Helpers for the integration tests: the OAuth round trip as a browser makes it, and import polling. */
import { listBasics } from './lists';
import { expect } from 'vitest';
import type { ApiClient, TestApp } from './app';

/** The whole OAuth dance: connect → provider's authorize (simulator approves) → our callback. */
export async function connect(api: ApiClient, provider: 'sixshop' | 'donus'): Promise<{ callbackStatus: number; callbackText: string }> {
  const started = await api.post<{ authorizeUrl: string; state: string }>(`/v2/integrations/${provider}/connect`);
  expect(started.status, started.text).toBeLessThan(300);
  const authorize = await fetch(started.json.authorizeUrl, { redirect: 'manual' });
  expect(authorize.status).toBe(302);
  const callback = await fetch(authorize.headers.get('location')!);
  return { callbackStatus: callback.status, callbackText: await callback.text() };
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
