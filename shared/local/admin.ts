/**
 * `npm run admin -- <command>`: operator tasks that have no API because they come before any
 * key exists. Locally it uses the DynamoDB Local of a running `npm start` (or starts one on
 * the data directory); with --aws it uses the table named by TABLE_NAME with the ambient AWS
 * credentials.
 *
 *   create-workspace --name NAME        a workspace and its first API key
 *   create-key --workspace ID [--name]  another key (at most 10 per workspace)
 *   list-keys --workspace ID            keys without secrets
 *
 * The bad days (issue 17, docs/operations.md):
 *   stats [--json]                      the business metrics (locally: <data dir>/metrics.json)
 *   dead-letters [--days N] [--workspace ID] [--kind K] [--limit N]
 *   replay-dead-letter --id ID          the parked work back into the delivery queue or the outbox
 *   show-import --list N --job ID       an import job
 *   show-send --send ID | --email N [--to ADDRESS]
 *                                       an automated email's send, or a regular email's send (and one recipient)
 *   rotate-link-secret                  a new link-signing secret; old links keep working (--aws: LINK_SIGNING_SECRET_ARN)
 *   backfill-queue-search               queue-search tokens for sends queued before the index (issue 16); safe to repeat
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
import { readLocalMetrics } from '#shared/adapters/local-metrics';
import { formatStats } from '#shared/operator/stats';
import { OperatorError, recentDeadLetters, replayDeadLetter } from '#shared/operator/dead-letters';
import { showAutomatedSend, showEmailSend, showImportJob } from '#shared/operator/show';
import { describeKeyring, rotateAwsLinkSecret, rotateLocalLinkSecret } from '#shared/operator/link-secret';
import { backfillQueueSearch } from '#shared/operator/queue-search-backfill';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string', default: '' },
    workspace: { type: 'string' },
    json: { type: 'boolean', default: false },
    days: { type: 'string' },
    kind: { type: 'string' },
    limit: { type: 'string' },
    id: { type: 'string' },
    list: { type: 'string' },
    job: { type: 'string' },
    send: { type: 'string' },
    email: { type: 'string' },
    to: { type: 'string' },
    secret: { type: 'string' },
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
  process.stderr.write(
    [
      'usage: npm run admin -- <command> [--aws] [--data-dir DIR]',
      '  create-workspace --name NAME | create-key --workspace ID [--name NAME] | list-keys --workspace ID',
      '  stats [--json]',
      '  dead-letters [--days N] [--workspace ID] [--kind delivery|batch|facts] [--limit N] | replay-dead-letter --id ID',
      '  show-import --list N --job ID | show-send --send ID | show-send --email N [--to ADDRESS]',
      '  rotate-link-secret [--secret ARN]',
      '  backfill-queue-search',
      '',
    ].join('\n'),
  );
  process.exit(2);
}

const command = positionals[0];
const commands = ['create-workspace', 'create-key', 'list-keys', 'stats', 'dead-letters', 'replay-dead-letter', 'show-import', 'show-send', 'rotate-link-secret', 'backfill-queue-search'];
if (!command || !commands.includes(command)) usage();
if (['create-key', 'list-keys'].includes(command) && !values.workspace) usage();
if (command === 'replay-dead-letter' && !values.id) usage();
if (command === 'show-import' && (!values.list || !values.job)) usage();
if (command === 'show-send' && !values.send && !values.email) usage();
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

// Commands that need no table: the figures and the secret.
if (command === 'stats' || command === 'rotate-link-secret') {
  try {
    if (command === 'stats') await stats();
    else await rotateLinkSecret();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
  process.exit();
}

async function stats() {
  if (values.aws) {
    process.stdout.write('In AWS the figures are EMF metrics in CloudWatch (namespace Newsletter): the dashboard named by the stack output DashboardName shows them (docs/operations.md).\n');
    return;
  }
  const file = readLocalMetrics(resolve(values['data-dir']!));
  if (values.json) return print(file ?? { figures: [] });
  if (!file) return void process.stdout.write('no figures yet (the runtime writes them to metrics.json in the data dir as they happen)\n');
  process.stdout.write(formatStats(file));
}

async function rotateLinkSecret() {
  if (values.aws) {
    const arn = values.secret ?? process.env.LINK_SIGNING_SECRET_ARN;
    if (!arn) throw new Error('set LINK_SIGNING_SECRET_ARN (the stack output LinkSigningSecretArn) or --secret ARN with --aws');
    const rotated = await rotateAwsLinkSecret(arn, new Date());
    print(describeKeyring(rotated));
    process.stderr.write(`The new secret signs from ${rotated.next?.activeAt}, once every function has read it; links signed before keep working for their lifetime.\n`);
    return;
  }
  const rotated = rotateLocalLinkSecret(resolve(values['data-dir']!), new Date());
  print(describeKeyring(rotated));
  process.stderr.write('Restart `npm start` to sign with the new secret; links signed before keep working for their lifetime.\n');
}

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
  } else if (command === 'list-keys') {
    print(await listApiKeys(deps, values.workspace!));
  } else if (command === 'dead-letters') {
    print(
      await recentDeadLetters(deps, {
        ...(values.days ? { days: Number(values.days) } : {}),
        ...(values.limit ? { limit: Number(values.limit) } : {}),
        ...(values.workspace ? { workspaceId: values.workspace } : {}),
        ...(values.kind ? { kind: values.kind } : {}),
      }),
    );
  } else if (command === 'replay-dead-letter') {
    print(await replayDeadLetter(deps, values.id!));
  } else if (command === 'show-import') {
    print(await showImportJob(deps, Number(values.list), values.job!));
  } else if (command === 'backfill-queue-search') {
    print(await backfillQueueSearch(deps));
  } else if (values.send) {
    print(await showAutomatedSend(deps, values.send));
  } else {
    print(await showEmailSend(deps, Number(values.email), values.to));
  }
} catch (error) {
  process.stderr.write(`${error instanceof ApiError ? `${error.code}: ${error.message}` : error instanceof OperatorError ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  db.destroy();
  await own?.stop();
  lock?.release();
}
