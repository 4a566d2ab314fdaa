/**
 * `npm run admin -- <command>`: operator tasks that have no API because they come before any
 * key exists. Locally it uses the DynamoDB Local of a running `npm start` (or starts one on
 * the data directory); with --aws it uses the table named by TABLE_NAME with the ambient AWS
 * credentials.
 *
 *   create-workspace --name NAME        a workspace and its first API key
 *   create-key --workspace ID [--name]  another key (at most 10 per workspace)
 *   list-keys --workspace ID            keys without secrets
 */
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '#shared/db/client';
import { systemClock } from '#shared/ports/clock';
import { defaultTableName } from '#shared/table/definition';
import { createWorkspace } from '#shared/workspaces/workspaces';
import { createApiKey, listApiKeys } from '#shared/workspaces/api-keys';
import { ApiError } from '#shared/http/errors';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { ensureTable } from './bootstrap-table';
import { createApiGatewayUsagePlanKeys } from '#shared/adapters/apigateway-usage-plan-keys';
import { ENDPOINT_FILE } from './admin-endpoint';
import { acquireDataDirLock, DataDirLocked, type DataDirLock } from './data-dir-lock';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string', default: '' },
    workspace: { type: 'string' },
    aws: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
  },
});


async function reachable(endpoint: string): Promise<boolean> {
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  try {
    await client.send(new ListTablesCommand({}));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

async function connect(): Promise<{ endpoint?: string; own?: DynamoDbLocal; lock?: DataDirLock }> {
  if (values.aws) return {};
  const dataDir = resolve(values['data-dir']!);
  const file = join(dataDir, ENDPOINT_FILE);
  if (existsSync(file)) {
    const { endpoint } = JSON.parse(readFileSync(file, 'utf8')) as { endpoint: string };
    if (await reachable(endpoint)) return { endpoint };
  }
  // Our own JVM on the files: only while no `npm start` holds them (issue 12, shared/local/data-dir-lock.ts).
  let lock: DataDirLock;
  try {
    lock = await acquireDataDirLock(dataDir, 'npm run admin');
  } catch (error) {
    if (!(error instanceof DataDirLocked)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const own = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb'), sharedDb: true });
  return { endpoint: own.endpoint, own, lock };
}

function usage(): never {
  process.stderr.write('usage: npm run admin -- create-workspace --name NAME | create-key --workspace ID [--name NAME] | list-keys --workspace ID [--aws] [--data-dir DIR]\n');
  process.exit(2);
}

const command = positionals[0];
if (!command || !['create-workspace', 'create-key', 'list-keys'].includes(command)) usage();
if (command !== 'create-workspace' && !values.workspace) usage();

const { endpoint, own, lock } = await connect();
const tableName = process.env.TABLE_NAME ?? defaultTableName;
const db = createDocumentClient(endpoint ? { endpoint, region: 'local' } : {});
const deps = { db, tableName, clock: systemClock };
try {
  if (endpoint) {
    const raw = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await ensureTable(raw, tableName);
    raw.destroy();
  }
  if (command === 'create-workspace') {
    // In AWS the workspace's throttling key goes onto the stack's usage plan (output UsagePlanId).
    let planKeys;
    if (values.aws) {
      if (!process.env.USAGE_PLAN_ID) throw new Error('set USAGE_PLAN_ID (a stack output) with --aws');
      planKeys = createApiGatewayUsagePlanKeys(process.env.USAGE_PLAN_ID);
    }
    const ws = await createWorkspace(deps, values.name || 'workspace', planKeys);
    const key = await createApiKey(deps, ws.workspaceId, 'first key');
    process.stdout.write(`${JSON.stringify({ workspaceId: ws.workspaceId, keyId: key.keyId, accessToken: key.secret }, null, 2)}\n`);
    process.stderr.write('The accessToken is shown only now: keep it.\n');
  } else if (command === 'create-key') {
    const key = await createApiKey(deps, values.workspace!, values.name);
    process.stdout.write(`${JSON.stringify({ keyId: key.keyId, accessToken: key.secret }, null, 2)}\n`);
    process.stderr.write('The accessToken is shown only now: keep it.\n');
  } else {
    process.stdout.write(`${JSON.stringify(await listApiKeys(deps, values.workspace!), null, 2)}\n`);
  }
} catch (error) {
  process.stderr.write(`${error instanceof ApiError ? `${error.code}: ${error.message}` : String(error)}\n`);
  process.exitCode = 1;
} finally {
  db.destroy();
  await own?.stop();
  lock?.release();
}
