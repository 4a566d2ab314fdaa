/**
 * The crash-test harness (issue 12): the real `npm start` entry (shared/local/start.ts) as a
 * child process on a data directory and port of the test's choosing, killed with SIGKILL
 * (the whole process tree: Node, the java wrapper, the DynamoDB Local JVM) and started again on
 * the same data, as an operator's worst day would go.
 *
 *   const rt = await startChildRuntime({ env: { CRASH_AT: 'import:write-page:after:3' } });
 *   await rt.api.post('/v2/lists', …);             // rt.key, rt.workspaceId: the first start's
 *   const exit = await rt.exited;                  // { code, signal, crashPoint } once it died
 *   await rt.restart();                            // same data dir, same port, CRASH_AT cleared
 *   await rt.kill();                               // SIGKILL to the process group, waits until all are gone
 *   await rt.close();                              // kill, then delete the data dir it created
 *
 * Crash points: `CRASH_AT=<point>[:<n>]` (shared/faults/crash-at.ts) kills the runtime the n-th
 * time it reaches `crashAt('<point>')`; `exit.crashPoint` says which point did it. Each start's
 * env is `options.env` of that start only (a restart does not repeat the last CRASH_AT unless
 * given again), over the test process's env, with LOG_LEVEL=WARN unless set.
 *
 * Readiness: start.ts writes the JSON of READY_FILE once everything answers; the harness then
 * waits for the API to answer HTTP. The first start on an empty data dir creates the workspace
 * and prints its key once; the harness keeps both for the restarts, so the first start on a
 * directory must be the harness's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '#shared/local/dynamodb-local';
import { CRASH_MARKER } from '#shared/faults/crash-at';
import { simpleParser } from 'mailparser';
import { apiClient, type ApiClient } from './app';

const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface ChildRuntimeOptions {
  /** Default: a new temporary directory, deleted by close(). */
  readonly dataDir?: string;
  /** Default: a free port, kept for every restart. */
  readonly port?: number;
  /** Environment of this start (CRASH_AT, knobs), over the test process's. `undefined` removes a variable. */
  readonly env?: Record<string, string | undefined>;
  /** Extra arguments for start.ts. */
  readonly args?: readonly string[];
  /** How long a start may take to answer (default 120 s: DynamoDB Local on a loaded 2-core machine). */
  readonly readyTimeoutMs?: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The CRASH_AT point that killed it, if one did. */
  crashPoint: string | null;
}

export interface ReadyInfo {
  pid: number;
  url: string;
  dataDir: string;
  dynamoEndpoint: string;
  outboxDir: string;
  simulatorUrl: string | null;
  workspaceId: string;
  accessToken: string | null;
}

/** One process of the runtime, not waited for (a second start that must refuse, an early crash). */
export interface SpawnedRuntime {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  output(): string;
}

export interface ChildRuntime {
  readonly dataDir: string;
  readonly port: number;
  readonly url: string;
  readonly workspaceId: string;
  /** The workspace's first API key (from the first start). */
  readonly key: string;
  readonly api: ApiClient;
  /** What the current process wrote to its ready file. */
  readonly ready: ReadyInfo;
  /** The current process: its pid, and its end (resolves, never rejects). */
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  /** stdout and stderr of the current process so far. */
  output(): string;
  /** Every live process of the current process tree (its process group). */
  processes(): number[];
  /** The DynamoDB Local JVM of the current process tree, if one runs. */
  jvmPid(): number | undefined;
  /** The .eml files in the outbox, sorted by name. */
  outbox(): string[];
  /** SIGKILL to the whole process tree; resolves once every process of it is gone. */
  kill(): Promise<ChildExit>;
  /** Kills what is left of the current tree, then starts again on the same data dir and port. */
  restart(options?: Pick<ChildRuntimeOptions, 'env' | 'args' | 'readyTimeoutMs'>): Promise<void>;
  /** Kills the tree and deletes the data dir if the harness created it. */
  close(): Promise<void>;
}

/** Live members of process group `pgid` (zombies are gone for our purposes). */
export function processGroup(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command (which may hold spaces), from its closing parenthesis: state, ppid, pgrp.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') out.push(Number(entry));
  }
  return out;
}

/** The process exists and is not a zombie (a SIGKILLed JVM may stay one until something reaps it). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The DynamoDB Local JVM itself, not its sh wrapper (java-watched.sh), whose arguments name the jar too. */
export function isJvm(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'java' && commandLine(pid).includes('DynamoDBLocal.jar');
  } catch {
    return false;
  }
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Polls `check` until it holds or the deadline passes (then throws with `what`). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Starts shared/local/start.ts on `dataDir` and `port` as the leader of its own process group; waits for nothing. */
export function spawnRuntime(options: { dataDir: string; port: number; env?: Record<string, string | undefined>; args?: readonly string[]; readyFile?: string }): SpawnedRuntime {
  const env: Record<string, string | undefined> = {
    ...process.env,
    LOG_LEVEL: process.env.CHILD_LOG_LEVEL ?? 'WARN',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    CRASH_AT: undefined,
    // npm start's JIT warm-up (issue 16) is for people; tests measure behaviour, not speed.
    DYNAMODB_WARMUP_ITEMS: process.env.DYNAMODB_WARMUP_ITEMS ?? '0',
    ...(options.readyFile ? { READY_FILE: options.readyFile } : {}),
    ...options.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  // node --import tsx, not `npm start` or the tsx CLI: one Node process (the pid a test kills), same entry.
  const child = spawn(process.execPath, ['--import', 'tsx', 'shared/local/start.ts', '--data-dir', options.dataDir, '--port', String(options.port), ...(options.args ?? [])], {
    cwd: repoRoot,
    env: env as NodeJS.ProcessEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<ChildExit>((resolveExit) => {
    // 'close', not 'exit': the output is complete by then (the crash marker included).
    child.once('close', (code, signal) => {
      const marker = output.split('\n').find((l) => l.startsWith(CRASH_MARKER));
      resolveExit({ code, signal, crashPoint: marker ? marker.slice(CRASH_MARKER.length + 1).split(' pass ')[0]! : null });
    });
  });
  child.once('error', (error) => (output += `\nspawn error: ${error.message}`));
  return { child, pid: child.pid!, exited, output: () => output };
}

async function killGroup(pgid: number): Promise<void> {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
  await until(() => processGroup(pgid).length === 0, `process group ${pgid} to end`, 30_000);
}

export async function startChildRuntime(options: ChildRuntimeOptions = {}): Promise<ChildRuntime> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'newsletter-crash-'));
  const port = options.port ?? (await freePort());
  const readyFile = `${dataDir}.ready.json`;
  let current: SpawnedRuntime;
  let ready: ReadyInfo;
  let key: string | undefined;

  const start = async (opts: Pick<ChildRuntimeOptions, 'env' | 'args' | 'readyTimeoutMs'>) => {
    rmSync(readyFile, { force: true });
    current = spawnRuntime({ dataDir, port, env: opts.env, args: opts.args, readyFile });
    const spawned = current;
    let exit: ChildExit | undefined;
    void spawned.exited.then((e) => (exit = e));
    const timeout = opts.readyTimeoutMs ?? 120_000;
    try {
      await until(
        () => {
          if (exit) throw new Error(`the runtime exited before it was ready (code ${exit.code}, signal ${exit.signal})`);
          if (!existsSync(readyFile)) return false;
          return (JSON.parse(readFileSync(readyFile, 'utf8')) as ReadyInfo).pid === spawned.pid;
        },
        'the runtime to write its ready file',
        timeout,
        100,
      );
      ready = JSON.parse(readFileSync(readyFile, 'utf8')) as ReadyInfo;
      key ??= ready.accessToken ?? undefined;
      if (!key) throw new Error(`no API key: the first start on ${dataDir} was not this harness's`);
      await until(async () => {
        if (exit) throw new Error(`the runtime exited before it answered HTTP (code ${exit.code}, signal ${exit.signal})`);
        return fetch(`${ready.url}/v2/lists`).then(
          () => true,
          () => false,
        );
      }, 'the API to answer', timeout, 100);
    } catch (error) {
      await killGroup(spawned.pid);
      throw new Error(`${(error as Error).message}\n--- runtime output ---\n${spawned.output()}`);
    }
  };

  await start(options);
  const handle: ChildRuntime = {
    dataDir,
    port,
    get url() {
      return ready.url;
    },
    get workspaceId() {
      return ready.workspaceId;
    },
    get key() {
      return key!;
    },
    get api() {
      // The outbox: sender verification links land there (issue 13).
      return apiClient(ready.url, key, () => handle.outbox());
    },
    get ready() {
      return ready;
    },
    get pid() {
      return current.pid;
    },
    get exited() {
      return current.exited;
    },
    output: () => current.output(),
    processes: () => processGroup(current.pid),
    jvmPid: () => processGroup(current.pid).find((pid) => isJvm(pid)),
    outbox() {
      const dir = join(dataDir, 'outbox');
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((f) => f.endsWith('.eml'))
        .sort()
        .map((f) => readFileSync(join(dir, f), 'utf8'));
    },
    async kill() {
      await killGroup(current.pid);
      return current.exited;
    },
    async restart(opts = {}) {
      await killGroup(current.pid);
      await current.exited;
      await start(opts);
    },
    async close() {
      await killGroup(current.pid);
      rmSync(readyFile, { force: true });
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** How many messages whose subject contains `subject` each recipient has in the child's outbox (the crash tests' once-each check). */
export async function mailsPerRecipient(rt: Pick<ChildRuntime, 'outbox'>, subject: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const raw of rt.outbox()) {
    const mail = await simpleParser(raw);
    if (!String(mail.subject).includes(subject)) continue;
    const to = String((mail.to as { text: string }).text);
    counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}
