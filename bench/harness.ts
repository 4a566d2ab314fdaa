import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local';
import { startLocalRuntime } from '#shared/local/runtime';
import { createWorkspace } from '#shared/workspaces/workspaces';
import { createApiKey } from '#shared/workspaces/api-keys';
import { createApiClient } from '../client/index';

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The machine's load (1, 5, 15 min averages), reported beside every figure measured while others share it. */
export const machineLoad = () => loadavg().map((l) => round(l, 2));

/** The embedded default as `npm start --in-memory` runs it, with the throttle lifted (see README). */
export async function startBenchApp(options: { warmDatabase?: boolean } = {}) {
  const dynamo = await startDynamoDbLocal();
  const runtime = await startLocalRuntime({
    dynamoEndpoint: dynamo.endpoint,
    tableName: 'bench',
    dataDir: mkdtempSync(join(tmpdir(), 'newsletter-bench-')),
    signingSecret: randomBytes(32).toString('hex'),
    port: 0,
    rateLimit: { perSecond: 1e9, burst: 1e9 },
    simulatorMembers: 10_000,
    warmImports: true,
    // As `npm start` does (issue 16); the import bench also measures a start without it.
    warmDatabase: options.warmDatabase ?? true,
  });
  const ws = await createWorkspace(runtime.deps, 'bench');
  const key = await createApiKey(runtime.deps, ws.workspaceId, 'bench');
  const api = createApiClient(runtime.url, key.secret);
  const call = async (method: string, path: string, body?: unknown) => {
    // Through the typed client (issue 17). The benchmarks build their paths at run time, so the
    // path and body are not typed here (`never`); the client's own types are checked by ops/smoke.ts and the tests.
    const { data, error, response: res } = await api.request(method.toLowerCase() as 'get', path as never, { body, parseAs: 'text' } as never);
    const text = typeof (data ?? error) === 'string' ? ((data ?? error) as string) : JSON.stringify(error);
    // One convention per version (issue 13): v2 answers bare JSON or the text `ok`, v1 the envelope.
    if (path.startsWith('/v2/')) {
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text === 'ok' ? 'ok' : (JSON.parse(text) as unknown);
    }
    const json = JSON.parse(text) as { Ok: boolean; Value: unknown; Error: unknown };
    if (!json.Ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.Error)}`);
    return json.Value;
  };
  /** Adds a sender address to a list and follows the verification link the local provider mailed (automated emails need one). */
  const verifiedSender = async (listId: number, email: string) => {
    const added = (await call('POST', `/v2/lists/${listId}/senders`, { email })) as { authorized: boolean };
    if (added.authorized) return;
    const outbox = runtime.outboxDir;
    for (const file of readdirSync(outbox).filter((f) => f.endsWith('.eml')).sort().reverse()) {
      const mail = await simpleParser(readFileSync(join(outbox, file)));
      const link = /https?:\/\/\S+\/v2\/senders\/confirm\?token=[^\s"<>]+/.exec(String(mail.text ?? ''))?.[0];
      if (link && String((mail.to as { text: string }).text) === email) {
        if ((await fetch(link)).status !== 200) throw new Error(`verifying ${email} failed`);
        return;
      }
    }
    throw new Error(`no verification mail to ${email}`);
  };
  return {
    call,
    verifiedSender,
    runtime,
    /** DynamoDB Local's wrapper process (bench/cpu.ts reads its tree's CPU). */
    dynamoPid: dynamo.pid,
    workspaceId: ws.workspaceId,
    /** The workspace's AccessToken (requests that are not JSON, e.g. an email's HTML). */
    key: key.secret,
    close: async () => {
      await runtime.close();
      await dynamo.stop();
    },
  };
}

/** The five fields the public v2 API requires to create a list (reference/stibee-api-v2_openapi.yml). */
export const listBasics = { senderName: 'Bench', companyName: 'Bench', companyContact: '0212341234', companyAddress: 'Seoul' };
