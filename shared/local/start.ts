/**
 * `npm start`: DynamoDB Local, the table, and the API on http://127.0.0.1:3000, in one process
 * tree. Flags: --in-memory (nothing kept), --port N, --data-dir DIR. Ctrl-C stops everything.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { rmSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { startDynamoDbLocal } from './dynamodb-local';
import { startLocalRuntime } from './runtime';
import { loadLocalState, saveLocalState } from './state';
import { createWorkspace } from '#shared/workspaces/workspaces';
import { createApiKey } from '#shared/workspaces/api-keys';
import { defaultTableName } from '#shared/table/definition';
import { ENDPOINT_FILE } from './admin-endpoint';

const { values } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
  },
});
const dataDir = resolve(values['data-dir']!);
const persistent = !values['in-memory'];
const port = Number(values.port);

// -sharedDb: the AWS CLI, the Lambda bundles and any tool see these tables whatever their credentials and region (README).
const dynamo = await startDynamoDbLocal({ sharedDb: true, ...(persistent ? { dataDir: resolve(dataDir, 'dynamodb') } : {}) });
const state = loadLocalState(dataDir, persistent);
const runtime = await startLocalRuntime({
  dynamoEndpoint: dynamo.endpoint,
  tableName: process.env.TABLE_NAME ?? defaultTableName,
  dataDir,
  signingSecret: state.signingSecret,
  port,
  host: process.env.HOST ?? '127.0.0.1',
  publicBaseUrl: process.env.PUBLIC_BASE_URL,
  warmImports: true,
});

// `npm run admin` finds this process's DynamoDB Local through this file while it runs.
const endpointFile = join(dataDir, ENDPOINT_FILE);
if (persistent) {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(endpointFile, JSON.stringify({ endpoint: dynamo.endpoint, pid: process.pid }));
}

const lines = [
  `API:      ${runtime.url}`,
  `DynamoDB: ${dynamo.endpoint} (${persistent ? `data in ${dataDir}` : 'in memory'})`,
  `Outbox:   ${runtime.outboxDir}`,
  `Sixshop and Donus simulators: ${runtime.simulator?.url ?? '(not started)'} (knobs: docs/imports.md)`,
];
let firstKey: string | undefined;
if (!state.workspaceId) {
  const workspace = await createWorkspace(runtime.deps, 'Local workspace');
  const key = await createApiKey(runtime.deps, workspace.workspaceId, 'first key');
  state.workspaceId = workspace.workspaceId;
  firstKey = key.secret;
  if (persistent) saveLocalState(dataDir, state);
  lines.push(
    '',
    `Created workspace ${workspace.workspaceId} and its first API key (shown only now, keep it):`,
    `  AccessToken: ${key.secret}`,
    '',
    'Try it:',
    `  curl -s -X POST ${runtime.url}/v2/lists -H 'AccessToken: ${key.secret}' -H 'Content-Type: application/json' -d '{"name":"My list"}'`,
  );
} else {
  lines.push(
    '',
    `Workspace ${state.workspaceId}. Its keys are stored only as hashes; issue a new one with`,
    `  npm run admin -- create-key --workspace ${state.workspaceId} --data-dir ${values['data-dir']}`,
  );
}
process.stdout.write(`${lines.join('\n')}\n\nCtrl-C to stop.\n`);

// READY_FILE (crash tests, test/support/child-runtime.ts): what the lines above say, as JSON,
// written once everything answers. Holds the first key in clear, so only when asked for.
if (process.env.READY_FILE) {
  const ready = {
    pid: process.pid,
    url: runtime.url,
    dataDir,
    dynamoEndpoint: dynamo.endpoint,
    outboxDir: runtime.outboxDir,
    simulatorUrl: runtime.simulator?.url ?? null,
    workspaceId: state.workspaceId,
    accessToken: firstKey ?? null,
  };
  writeFileSync(`${process.env.READY_FILE}.tmp`, JSON.stringify(ready), { mode: 0o600 });
  renameSync(`${process.env.READY_FILE}.tmp`, process.env.READY_FILE);
}

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await runtime.close();
  await dynamo.stop();
  if (persistent) rmSync(endpointFile, { force: true });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
