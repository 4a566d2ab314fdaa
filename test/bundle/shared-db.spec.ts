/**
 * Issue 11: `npm start` runs DynamoDB Local with -sharedDb, so the AWS CLI, the bundles and any
 * tool see its tables whatever their credentials and region (README, "Run it"); a data dir
 * from before keeps its data.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from '#shared/local/dynamodb-local';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const client = (endpoint: string, accessKeyId: string, region: string) =>
  new DynamoDBClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey: 'any' }, maxAttempts: 2 });

let child: ChildProcess | undefined;
let local: DynamoDbLocal | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  child = undefined;
  await local?.stop();
  local = undefined;
});

describe('issue 11: DynamoDB Local with -sharedDb', () => {
  it('npm start: a client with other credentials and another region sees the table', async () => {
    child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), ['shared/local/start.ts', '--in-memory', '--port', '0'], {
      cwd: repoRoot,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const endpoint = await new Promise<string>((resolveEndpoint, reject) => {
      child!.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
        const m = /DynamoDB: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (m && output.includes('Ctrl-C')) resolveEndpoint(m[1]!);
      });
      child!.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
    });
    const other = client(endpoint, 'AKIAANYTOOL', 'us-west-2');
    expect((await other.send(new ListTablesCommand({}))).TableNames).toContain('newsletter');
    other.destroy();
  }, 120_000);

  it('a data dir written before -sharedDb keeps its tables', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shared-db-'));
    local = await startDynamoDbLocal({ dataDir: dir });
    const before = client(local.endpoint, 'local', 'ap-northeast-2');
    await before.send(
      new CreateTableCommand({ TableName: 'kept', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }] }),
    );
    before.destroy();
    await local.stop();
    expect(readdirSync(dir)).toContain('local_ap-northeast-2.db');

    local = await startDynamoDbLocal({ dataDir: dir, sharedDb: true });
    const other = client(local.endpoint, 'AKIAANYTOOL', 'eu-central-1');
    expect((await other.send(new ListTablesCommand({}))).TableNames).toEqual(['kept']);
    other.destroy();
    expect(existsSync(join(dir, 'shared-local-instance.db'))).toBe(true);
  }, 120_000);
});
