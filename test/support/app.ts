/**
 * Starts the embedded default for one test file: its own table in the shared DynamoDB Local,
 * the local HTTP server on a free port, and helpers that talk to it over HTTP like a client.
 */
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '#shared/local/runtime';
import { createWorkspace } from '#shared/workspaces/workspaces';
import { createApiKey } from '#shared/workspaces/api-keys';

export interface Envelope<T = unknown> {
  Ok: boolean;
  Error: null | { Code: string; HttpStatusCode: number; Message: string };
  Value: T;
}

export interface TestApp {
  runtime: LocalRuntime;
  url: string;
  /** A new workspace and an active key for it. */
  newWorkspace(): Promise<{ workspaceId: string; key: string; api: ApiClient }>;
  outbox(): string[];
  close(): Promise<void>;
}

export interface ApiResponse<T = unknown> {
  status: number;
  /** The v1 envelope (v1 paths). */
  body: Envelope<T>;
  /** The parsed body as it is: v2 paths answer bare JSON (issue 13); undefined when not JSON (v2's text `ok`). */
  json: T;
  /** A v2 refusal: `{code, httpStatusCode, message}` (undefined on success). */
  error: { code: string; httpStatusCode: number; message: string } | undefined;
  text: string;
  headers: Headers;
}

export interface ApiClient {
  request<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  get<T = unknown>(path: string): Promise<ApiResponse<T>>;
  post<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  put<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  del<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  /** The mail outbox of the app this client talks to (links in mails: sender verification, issue 13). */
  outbox?: () => string[];
}

export function apiClient(url: string, key: string | undefined, outbox?: () => string[]): ApiClient {
  const request = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(key ? { AccessToken: key } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Envelope<T>;
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
      parsed = json as Envelope<T>;
    } catch {
      parsed = { Ok: false, Error: null, Value: undefined as T };
    }
    const error = json && typeof json === 'object' && 'code' in json && 'httpStatusCode' in json ? (json as ApiResponse['error']) : undefined;
    return { status: res.status, body: parsed, json: json as T, error, text, headers: res.headers };
  };
  return { ...clientFrom(request), ...(outbox ? { outbox } : {}) };
}

/** The method shorthands over one request function. */
export function clientFrom(request: ApiClient['request']): ApiClient {
  return {
    request,
    get: (p) => request('GET', p),
    post: (p, b) => request('POST', p, b),
    put: (p, b) => request('PUT', p, b),
    del: (p, b) => request('DELETE', p, b),
  };
}

let tableCounter = 0;

/** `outboxDir`: where a test's own mailer writes, for helpers that follow links in mails (sender verification). */
export type TestAppOptions = Partial<LocalRuntimeOptions> & { outboxDir?: string };

export async function startTestApp(testOptions: TestAppOptions = {}): Promise<TestApp> {
  const { outboxDir: customOutbox, ...options } = testOptions;
  const dataDir = mkdtempSync(join(tmpdir(), 'newsletter-test-'));
  const runtime = await startLocalRuntime({
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName: `t_${process.pid}_${Date.now()}_${tableCounter++}`,
    dataDir,
    signingSecret: randomBytes(32).toString('hex'),
    port: 0,
    // Tests other than the throttle's own talk faster than 10 req/s; each says so where it matters.
    rateLimit: { perSecond: 10_000, burst: 10_000 },
    // And faster than a person opens links (issue 14's per-IP throttle has its own tests).
    publicRateLimit: { perSecond: 10_000, burst: 10_000 },
    ...options,
  });
  const outboxDir = customOutbox ?? runtime.outboxDir;
  const outbox = () => {
    if (!existsSync(outboxDir)) return [];
    return readdirSync(outboxDir)
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .map((f) => readFileSync(join(outboxDir, f), 'utf8'));
  };
  return {
    runtime,
    url: runtime.url,
    async newWorkspace() {
      const ws = await createWorkspace(runtime.deps, 'test');
      const key = await createApiKey(runtime.deps, ws.workspaceId, 'test');
      return { workspaceId: ws.workspaceId, key: key.secret, api: apiClient(runtime.url, key.secret, outbox) };
    },
    outbox,
    close: () => runtime.close(),
  };
}

export type TestWorkspace = Awaited<ReturnType<TestApp['newWorkspace']>>;

/** Starts the app before a file's tests, with one workspace, and closes it after them. */
export function useTestApp(assign: (started: { app: TestApp } & TestWorkspace) => void, options: TestAppOptions = {}): void {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp(options);
    assign({ app, ...(await app.newWorkspace()) });
  });
  afterAll(() => app?.close());
}
