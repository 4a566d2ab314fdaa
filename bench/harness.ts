import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local';
import { startLocalRuntime } from '#shared/local/runtime';
import { createWorkspace } from '#shared/workspaces/workspaces';
import { createApiKey } from '#shared/workspaces/api-keys';

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The embedded default as `npm start --in-memory` runs it, with the throttle lifted (see README). */
export async function startBenchApp() {
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
  });
  const ws = await createWorkspace(runtime.deps, 'bench');
  const key = await createApiKey(runtime.deps, ws.workspaceId, 'bench');
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${runtime.url}${path}`, {
      method,
      headers: { AccessToken: key.secret, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as { Ok: boolean; Value: unknown; Error: unknown };
    if (!json.Ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.Error)}`);
    return json.Value;
  };
  return {
    call,
    runtime,
    workspaceId: ws.workspaceId,
    close: async () => {
      await runtime.close();
      await dynamo.stop();
    },
  };
}
