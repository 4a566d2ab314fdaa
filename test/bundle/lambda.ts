/**
 * The bundle test's Lambda service (issue 11): each function of the template runs in its own
 * Node processes ("execution environments", runtime/bootstrap.mjs), started from the bundle
 * folder of the cloud assembly with exactly the function's template environment plus what the
 * Lambda runtime itself sets, fake credentials whose access key id names the function, the SDK
 * pointed at the stub, and a preload that refuses every non-loopback address. Environments stay
 * warm between invocations; one that crashed, timed out or failed its init is discarded, and the
 * next invocation starts a new one, as Lambda does.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { REGION, type FunctionSpec } from './assembly';

const here = dirname(fileURLToPath(import.meta.url));
const BOOTSTRAP = join(here, 'runtime', 'bootstrap.mjs');
const NO_NETWORK = join(here, 'runtime', 'no-network.mjs');

/** Access key id of a function's credentials: letters and digits of its name, so the stub can tell callers apart. */
export const accessKeyIdOf = (fn: Pick<FunctionSpec, 'name'>) => `ASIA${fn.name.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`;

export interface InvokeResult {
  /** The function's answer, parsed; undefined when it failed. */
  readonly payload?: unknown;
  /** Set when the invocation failed as Lambda reports it (FunctionError: Unhandled). */
  readonly error?: { errorType: string; errorMessage: string; stackTrace?: string[] };
  /** The process that served it: the same pid means a warm environment. */
  readonly pid: number;
  readonly coldStart: boolean;
  readonly durationMs: number;
}

export interface NetRefusal {
  readonly function: string;
  readonly kind: string;
  readonly host: string;
  readonly port?: number;
}

export interface LambdaServiceOptions {
  readonly functions: readonly FunctionSpec[];
  /** AWS_ENDPOINT_URL: the stub. */
  readonly awsEndpoint: string;
  /** AWS_ENDPOINT_URL_DYNAMODB. */
  readonly dynamoEndpoint: string;
  /** Replaces template variables by name for one function (e.g. INTEGRATIONS_CONFIG pointing at the simulator). */
  readonly environmentOverrides?: (fn: FunctionSpec) => Record<string, string>;
  /** Caps a template timeout for the test (the template's is kept when lower). */
  readonly maxTimeoutSeconds?: number;
}

type Message =
  | { type: 'ready'; initMs: number }
  | { type: 'init-error'; error: NonNullable<InvokeResult['error']> }
  | { type: 'result'; id: string; payload: string }
  | { type: 'error'; id: string; error: NonNullable<InvokeResult['error']> }
  | { type: 'crash'; kind: string; error: NonNullable<InvokeResult['error']> }
  | { type: 'net-refused'; kind: string; host: string; port?: number };

/** Fails when a node_modules folder sits in the bundle's folder or above it: resolution must not find the repository's packages. */
function assertNoNodeModulesAbove(dir: string): void {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) throw new Error(`${join(d, 'node_modules')} exists above the bundle ${dir}: a missing module would be found there`);
    if (d === parse(d).root) return;
  }
}

class Environment {
  readonly child: ChildProcess;
  readonly ready: Promise<{ initMs: number }>;
  busy = false;
  dead = false;
  invocations = 0;
  logs: string[] = [];
  private pending?: { id: string; settle: (m: Message | { type: 'exit'; code: number | null; signal: string | null }) => void };

  constructor(
    readonly fn: FunctionSpec,
    env: NodeJS.ProcessEnv,
    onRefusal: (r: NetRefusal) => void,
  ) {
    this.child = fork(BOOTSTRAP, [], {
      cwd: fn.assetDir,
      env,
      execPath: process.execPath,
      execArgv: ['--import', `file://${NO_NETWORK}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const capture = (chunk: Buffer) => {
      this.logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.logs.length > 400) this.logs.splice(0, this.logs.length - 400);
    };
    this.child.stdout!.on('data', capture);
    this.child.stderr!.on('data', capture);
    this.ready = new Promise((resolveReady, rejectReady) => {
      this.child.on('message', (m: Message) => {
        if (m.type === 'ready') resolveReady({ initMs: m.initMs });
        else if (m.type === 'init-error') rejectReady(Object.assign(new Error(m.error.errorMessage), { lambdaError: m.error }));
        else if (m.type === 'net-refused') onRefusal({ function: fn.path, kind: m.kind, host: m.host, ...(m.port !== undefined ? { port: m.port } : {}) });
        else if ((m.type === 'result' || m.type === 'error') && this.pending?.id === m.id) this.pending.settle(m);
        else if (m.type === 'crash') this.pending?.settle(m);
      });
      this.child.on('exit', (code, signal) => {
        this.dead = true;
        rejectReady(Object.assign(new Error(`exited during init (code ${code}, signal ${signal})`), { lambdaError: { errorType: 'Runtime.ExitError', errorMessage: `exit ${code ?? signal}` } }));
        this.pending?.settle({ type: 'exit', code, signal });
      });
    });
    this.ready.catch(() => undefined);
  }

  async invoke(event: unknown, timeoutMs: number): Promise<Omit<InvokeResult, 'coldStart' | 'pid'>> {
    const id = randomUUID();
    const started = performance.now();
    this.invocations++;
    const outcome = await new Promise<Message | { type: 'exit'; code: number | null; signal: string | null } | { type: 'timeout' }>((settle) => {
      const timer = setTimeout(() => settle({ type: 'timeout' }), timeoutMs);
      this.pending = {
        id,
        settle: (m) => {
          clearTimeout(timer);
          settle(m);
        },
      };
      // The event travels as JSON text, as Lambda's Invoke payload does.
      this.child.send({ type: 'invoke', id, event: JSON.stringify(event ?? null), deadlineMs: Date.now() + timeoutMs, invokedFunctionArn: this.fn.arn });
    });
    this.pending = undefined;
    const durationMs = Math.round(performance.now() - started);
    if (outcome.type === 'result') {
      try {
        return { payload: JSON.parse(outcome.payload) as unknown, durationMs };
      } catch {
        return { error: { errorType: 'Runtime.MarshalError', errorMessage: 'the answer is not JSON' }, durationMs };
      }
    }
    if (outcome.type === 'error') return { error: outcome.error, durationMs };
    // Lambda discards the environment after a crash or a timeout.
    this.kill();
    if (outcome.type === 'timeout') return { error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` }, durationMs };
    if (outcome.type === 'crash') return { error: { ...outcome.error, errorType: outcome.kind }, durationMs };
    if (outcome.type === 'exit') return { error: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${id} Error: Runtime exited (code ${outcome.code}, signal ${outcome.signal})` }, durationMs };
    return { error: { errorType: 'Runtime.Unknown', errorMessage: JSON.stringify(outcome) }, durationMs };
  }

  kill(): void {
    this.dead = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export interface InvocationRecord {
  readonly function: string;
  readonly source: string;
  readonly ok: boolean;
  readonly errorType?: string;
  readonly coldStart: boolean;
  readonly durationMs: number;
}

export class LambdaService {
  readonly invocations: InvocationRecord[] = [];
  readonly refusals: NetRefusal[] = [];
  /** Function path → init (import) times of its cold starts, ms. */
  readonly initTimes = new Map<string, number[]>();
  private readonly pools = new Map<string, Environment[]>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly home = mkdtempSync(join(tmpdir(), 'bundle-home-'));
  private readonly emptyNodePath = mkdtempSync(join(tmpdir(), 'bundle-node-path-'));
  private readonly byArn: Map<string, FunctionSpec>;
  private readonly secrets = new Map<string, string>();

  constructor(private readonly options: LambdaServiceOptions) {
    this.byArn = new Map(options.functions.map((f) => [f.arn, f]));
    for (const fn of options.functions) assertNoNodeModulesAbove(fn.assetDir);
  }

  find(predicate: (fn: FunctionSpec) => boolean, what: string): FunctionSpec {
    const found = this.options.functions.filter(predicate);
    if (found.length !== 1) throw new Error(`${what}: ${found.length} functions match`);
    return found[0]!;
  }

  byArnOrName(ref: string): FunctionSpec {
    const fn = this.byArn.get(ref.replace(/:(\$LATEST|\d+)$/, '')) ?? this.options.functions.find((f) => f.name === ref);
    if (!fn) throw new Error(`no function ${ref} in the template`);
    return fn;
  }

  /** What the environment of `fn` holds: its template variables and what Lambda sets itself. */
  environmentOf(fn: FunctionSpec): Record<string, string> {
    const key = accessKeyIdOf(fn);
    if (!this.secrets.has(key)) this.secrets.set(key, randomUUID());
    return {
      ...fn.environment,
      ...this.options.environmentOverrides?.(fn),
      // Set by the Lambda runtime, not by the template.
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: key,
      AWS_SECRET_ACCESS_KEY: this.secrets.get(key)!,
      AWS_SESSION_TOKEN: `session-${key}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10)}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      LAMBDA_TASK_ROOT: fn.assetDir,
      LAMBDA_RUNTIME_DIR: dirname(BOOTSTRAP),
      _HANDLER: fn.handler,
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      // No SDK "in the runtime": the bundle carries what it needs (docs/deploy.md).
      NODE_PATH: this.emptyNodePath,
      // No ~/.aws of whoever runs the test.
      HOME: this.home,
      // The test's own stand-ins for AWS (standard SDK endpoint variables).
      AWS_ENDPOINT_URL: this.options.awsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: this.options.dynamoEndpoint,
    };
  }

  /** Invokes like `lambda:Invoke` (RequestResponse). `source` names the caller in the report. */
  async invoke(fn: FunctionSpec, event: unknown, source: string): Promise<InvokeResult> {
    const env = await this.acquire(fn);
    const coldStart = env.invocations === 0;
    const timeoutMs = Math.min(fn.timeoutSeconds, this.options.maxTimeoutSeconds ?? Infinity) * 1000;
    try {
      let result: Omit<InvokeResult, 'coldStart' | 'pid'>;
      try {
        const { initMs } = await env.ready;
        if (coldStart) this.initTimes.set(fn.path, [...(this.initTimes.get(fn.path) ?? []), initMs]);
        result = await env.invoke(event, timeoutMs);
      } catch (error) {
        // Init failed: Lambda answers the invocation with the init error and starts afresh next time.
        env.kill();
        const lambdaError = (error as { lambdaError?: InvokeResult['error'] }).lambdaError ?? { errorType: 'Runtime.Unknown', errorMessage: String(error) };
        result = { error: lambdaError, durationMs: 0 };
      }
      const pid = env.child.pid ?? -1;
      this.invocations.push({
        function: fn.path,
        source,
        ok: !result.error,
        ...(result.error ? { errorType: result.error.errorType } : {}),
        coldStart,
        durationMs: result.durationMs,
      });
      return { ...result, pid, coldStart };
    } finally {
      this.release(fn, env);
    }
  }

  /** Log lines of a function's environments (the CloudWatch stream), for failure messages. */
  logsOf(fn: FunctionSpec, last = 40): string {
    return (this.pools.get(fn.path) ?? []).flatMap((e) => e.logs).slice(-last).join('\n');
  }

  /** Discards the function's warm environments (as after a deploy or a long idle time). */
  recycle(fn: FunctionSpec): void {
    for (const env of this.pools.get(fn.path) ?? []) env.kill();
    this.pools.set(fn.path, []);
  }

  async close(): Promise<void> {
    for (const pool of this.pools.values()) for (const env of pool) env.kill();
    this.pools.clear();
  }

  private async acquire(fn: FunctionSpec): Promise<Environment> {
    for (;;) {
      const pool = (this.pools.get(fn.path) ?? []).filter((e) => !e.dead);
      this.pools.set(fn.path, pool);
      const idle = pool.find((e) => !e.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      // Concurrent invocations get their own environment, up to the function's reserved concurrency (or a few).
      if (pool.length < Math.min(fn.reservedConcurrency ?? 4, 4)) {
        const env = new Environment(fn, this.environmentOf(fn), (r) => this.refusals.push(r));
        env.busy = true;
        pool.push(env);
        return env;
      }
      await new Promise<void>((wake) => this.waiters.set(fn.path, [...(this.waiters.get(fn.path) ?? []), wake]));
    }
  }

  private release(fn: FunctionSpec, env: Environment): void {
    env.busy = false;
    const waiting = this.waiters.get(fn.path) ?? [];
    waiting.shift()?.();
  }
}

