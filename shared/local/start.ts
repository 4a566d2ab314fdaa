/**
 * `npm start`: DynamoDB Local, the table, and the API on http://127.0.0.1:3000, in one process
 * tree. Flags: --in-memory (nothing kept), --port N, --data-dir DIR. Ctrl-C stops everything.
 *
 * Issue 12 (docs/api.md, "When the local database fails"): the data dir is locked (a second
 * start on it exits 1 naming the holder), the JVM is watched and restarted on its data
 * (DYNAMODB_MAX_RESTARTS within a minute, default 3, then exit 1), and writes are refused
 * with STORAGE_FULL while the data dir's disk has under MIN_FREE_DISK_MB (default 64) free.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { readFileSync, rmSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { superviseDynamoDbLocal } from './dynamodb-supervisor';
import { acquireDataDirLock, DataDirLocked, type DataDirLock } from './data-dir-lock';
import { createStoreGuard, DEFAULT_MIN_FREE_BYTES, statfsProbe, type FreeSpaceProbe } from './store-guard';
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
const die = (message: string): never => {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
};

let lock: DataDirLock;
try {
  lock = await acquireDataDirLock(dataDir, `npm start --port ${port}`);
} catch (error) {
  if (error instanceof DataDirLocked) die(error.message);
  throw error;
}

// FREE_SPACE_OVERRIDE_FILE (crash tests where no tmpfs can be mounted): free bytes read from that file instead of statfs.
const probe: FreeSpaceProbe = process.env.FREE_SPACE_OVERRIDE_FILE
  ? async () => Number(readFileSync(process.env.FREE_SPACE_OVERRIDE_FILE!, 'utf8'))
  : statfsProbe;
const guard = createStoreGuard({ dataDir, minFreeBytes: process.env.MIN_FREE_DISK_MB ? Number(process.env.MIN_FREE_DISK_MB) * 1024 * 1024 : DEFAULT_MIN_FREE_BYTES, probe });

// Set once the runtime runs: a database that cannot be brought back stops everything, loudly.
let fatal = (message: string) => {
  lock.release();
  die(message);
};
const dynamo = await superviseDynamoDbLocal({
  dynamo: { sharedDb: true, ...(persistent ? { dataDir: resolve(dataDir, 'dynamodb') } : {}) },
  maxRestarts: process.env.DYNAMODB_MAX_RESTARTS ? Number(process.env.DYNAMODB_MAX_RESTARTS) : undefined,
  onDown: (reason) => guard.databaseDown(reason),
  onUp: () => {
    lock.update({ jvmPid: jvmOf(dynamo.pid) });
    guard.databaseRestored();
  },
  onFatal: (message) => fatal(message),
});
lock.update({ jvmPid: jvmOf(dynamo.pid) });
const state = loadLocalState(dataDir, persistent);
const runtime = await startLocalRuntime({
  dynamoEndpoint: dynamo.endpoint,
  tableName: process.env.TABLE_NAME ?? defaultTableName,
  dataDir,
  signingSecret: { current: state.signingSecret, previous: state.previousSigningSecrets ?? [] },
  port,
  host: process.env.HOST ?? '127.0.0.1',
  publicBaseUrl: process.env.PUBLIC_BASE_URL,
  warmImports: true,
  warmDatabase: true,
  durableExecutions: persistent,
  storeGuard: guard,
  ...(persistent ? { simulatorStateFile: join(dataDir, 'simulator-state.json') } : {}),
});

// `npm run admin` finds this process's DynamoDB Local through this file while it runs.
const endpointFile = join(dataDir, ENDPOINT_FILE);
if (persistent) {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(endpointFile, JSON.stringify({ endpoint: dynamo.endpoint, pid: process.pid }));
}

lock.update({ url: runtime.url });

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
    `  curl -s -X POST ${runtime.url}/v2/lists -H 'AccessToken: ${key.secret}' -H 'Content-Type: application/json' -d '{"name":"My list","senderName":"Me","companyName":"My company","companyContact":"02-000-0000","companyAddress":"Seoul"}'`,
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
const shutDown = async () => {
  await runtime.close();
  await dynamo.stop();
  if (persistent) rmSync(endpointFile, { force: true });
  lock.release();
};
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await shutDown();
  process.exit(0);
};
fatal = (message) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`npm start: ${message}\nStopping (exit code 1).\n`);
  // What can be closed in a few seconds is; the exit does not wait on a dead database.
  // Not unref'd: it is also what keeps the process alive until the exit code is 1.
  setTimeout(() => process.exit(1), 5000);
  void shutDown().finally(() => process.exit(1));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

/** The JVM under the java wrapper (Linux; recorded in the lock so a successor can make sure it is gone). */
function jvmOf(wrapperPid: number | undefined): number | undefined {
  if (!wrapperPid) return undefined;
  try {
    const children = readFileSync(`/proc/${wrapperPid}/task/${wrapperPid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    return children.find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'java';
      } catch {
        return false;
      }
    });
  } catch {
    return undefined;
  }
}
