/**
 * SPEC I7 locally: the import state machine's one definition, run in-process by
 * aws-local-stepfunctions, each Task state mapped to the very handler module its Lambda runs
 * (functions/<id>/handler.ts). Retry intervals are shortened locally (a run option, not a
 * change of the definition) so failure paths finish in milliseconds rather than seconds.
 *
 * Issue 12: an execution outlives the process. Before it runs, its record (name, input,
 * attempts) is written to `<executionsDir>/<name>.json`; it is deleted when the execution ends
 * (succeeded or failed), not when the runtime stops or dies. At start `recover()` finds every
 * record left and resumes each execution by running it again from the top with the same input
 * (every task is safe to repeat: shared/imports/tasks.ts), at most `maxResumes` times; after
 * that it fails the import the way its Catch would (the Compensate task, error INTERRUPTED).
 */
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { importStateMachineDefinition, importTasks } from '#shared/imports/state-machine';
import { logger } from '#shared/logger';
import './promise-with-resolvers';


const repoRoot = resolve(import.meta.dirname, '..', '..');
type TaskFn = (input: unknown) => Promise<unknown>;

interface StateNode {
  Type: string;
  Resource?: string;
  ItemProcessor?: { States: Record<string, StateNode> };
}

/**
 * A state machine the runner executes: its one definition and the function id of each Task
 * placeholder. The import's by default; the email send's (issue 15) is the other.
 */
export interface LocalMachine {
  readonly label: string;
  readonly definition: { readonly States: unknown };
  readonly tasks: Readonly<Record<string, string>>;
  /** The placeholder of the task that fails an execution given up after crashes (none: the record is dropped). */
  readonly giveUpTask?: string;
}

export const importMachine: LocalMachine = { label: 'import', definition: importStateMachineDefinition, tasks: importTasks, giveUpTask: 'ImportCompensateFunction' };

/** Task state name → the placeholder of its Resource, for the whole definition (Map processors included). */
function taskStates(states: Record<string, StateNode>, tasks: LocalMachine['tasks'], out = new Map<string, string>()) {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task' && state.Resource) {
      const placeholder = /^\$\{(\w+)\}$/.exec(state.Resource)?.[1];
      if (!placeholder || !(placeholder in tasks)) throw new Error(`task ${name} has no known placeholder resource`);
      out.set(name, placeholder);
    }
    if (state.ItemProcessor) taskStates(state.ItemProcessor.States, tasks, out);
  }
  return out;
}

/** The definition with each placeholder replaced by a syntactically valid Lambda ARN (never called). */
function substituted(machine: LocalMachine): unknown {
  let text = JSON.stringify(machine.definition);
  for (const [placeholder, id] of Object.entries(machine.tasks)) {
    text = text.replaceAll(`\${${placeholder}}`, `arn:aws:lambda:ap-northeast-2:000000000000:function:${id}`);
  }
  return JSON.parse(text);
}

export interface LocalWorkflowRunner {
  /** Starts an execution named `name`; one of that name already running is left as is (as StartExecution's ExecutionAlreadyExists). */
  start(name: string, input: Record<string, unknown>): Promise<{ executionId: string }>;
  /** `start`, by the import port's name. */
  startImport(name: string, input: Record<string, unknown>): Promise<{ executionId: string }>;
  /** Resumes (or, past `maxResumes`, fails) every execution a previous process left unfinished. */
  recover(): Promise<{ resumed: string[]; failed: string[] }>;
  /** Resolves when no execution is running (tests and the benchmark wait on it). */
  idle(): Promise<void>;
  /** Loads the library and the task handlers now rather than on the first import. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

/** Runs again of an interrupted execution before it is given up (docs/imports.md, "After a crash"). */
export const DEFAULT_MAX_RESUMES = 2;

/** What is kept of an execution while it runs. */
interface ExecutionRecord {
  name: string;
  input: unknown;
  startedAt: string;
  /** Runs so far, the first included. */
  attempts: number;
  /** The process that ran it last. */
  pid: number;
}

export interface LocalWorkflowRunnerOptions {
  retryIntervalMs?: number;
  /** Where execution records live; without it executions are kept in memory only. */
  executionsDir?: string;
  /** Runs again after a crash before the import is failed (default 2; IMPORT_MAX_RESUMES). */
  maxResumes?: number;
  /** The state machine run (default: the import's). */
  machine?: LocalMachine;
}

/** Written whole or not at all, and on disk before the import's start is answered. */
function writeDurably(file: string, text: string) {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

const fileName = (name: string) => `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.json`;

export function createLocalWorkflowRunner(options: LocalWorkflowRunnerOptions = {}): LocalWorkflowRunner {
  const running = new Map<string, Promise<unknown>>();
  const aborts = new Map<string, () => void>();
  const dir = options.executionsDir;
  const maxResumes = options.maxResumes ?? DEFAULT_MAX_RESUMES;
  const spec = options.machine ?? importMachine;
  if (dir) mkdirSync(dir, { recursive: true });
  let machine: Promise<{ run: (input: unknown) => { result: Promise<unknown>; abort: () => void }; compensate?: TaskFn }> | undefined;

  const load = async () => {
    const { StateMachine } = await import('aws-local-stepfunctions');
    const tasks = taskStates(spec.definition.States as Record<string, StateNode>, spec.tasks);
    // Handlers return the JSON the Lambda would; the library types that as its JSONValue.
    const handlers: Record<string, (input: unknown) => Promise<never>> = {};
    const modules: Record<string, TaskFn> = {};
    const retryIntervalOverrides: Record<string, number> = {};
    for (const [stateName, placeholder] of tasks) {
      const module = (await import(pathToFileURL(resolve(repoRoot, 'functions', spec.tasks[placeholder]!, 'handler.ts')).href)) as { handler: TaskFn };
      modules[placeholder] = module.handler;
      handlers[stateName] = (input) => module.handler(input) as Promise<never>;
      if (options.retryIntervalMs !== undefined) retryIntervalOverrides[stateName] = options.retryIntervalMs;
    }
    const sm = new StateMachine(substituted(spec) as ConstructorParameters<typeof StateMachine>[0]);
    return {
      ...(spec.giveUpTask ? { compensate: modules[spec.giveUpTask] } : {}),
      run: (input: unknown) =>
        sm.run(input as Parameters<typeof sm.run>[0], {
          noThrowOnAbort: true,
          // In-process, compensation itself waits for straggling page writes (shared/imports/tasks.ts).
          overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides, waitTimeOverrides: { WaitForStragglers: 0 } },
        }),
    };
  };

  const recordFile = (name: string) => join(dir!, fileName(name));
  const saveRecord = (record: ExecutionRecord) => dir && writeDurably(recordFile(record.name), JSON.stringify(record));
  const dropRecord = (name: string) => dir && rmSync(recordFile(name), { force: true });

  const track = (name: string, done: Promise<unknown>, abort: () => void) => {
    running.set(name, done);
    aborts.set(name, abort);
    void done.finally(() => {
      running.delete(name);
      aborts.delete(name);
    });
  };

  const run = async (record: ExecutionRecord) => {
    machine ??= load();
    saveRecord(record);
    const execution = (await machine).run(record.input);
    let aborted = false;
    const done = execution.result.then(
      () => logger.debug(`${spec.label} execution succeeded`, { name: record.name, aborted }),
      (error: Error) => logger.info(`${spec.label} execution failed`, { name: record.name, error: error.message }),
    );
    // An execution aborted by close() has not ended: its record stays for the next start.
    track(
      record.name,
      done.then(() => {
        if (!aborted) dropRecord(record.name);
      }),
      () => {
        aborted = true;
        execution.abort();
      },
    );
  };

  /** Fails an execution that keeps dying, as its Catch would: Compensate fails the job, releases the list and deletes the generation. */
  const giveUp = async (record: ExecutionRecord) => {
    machine ??= load();
    const { compensate } = await machine;
    if (!compensate) {
      logger.error(`${spec.label} execution given up after crashes`, { name: record.name, attempts: record.attempts });
      dropRecord(record.name);
      return;
    }
    const message = `the local runtime stopped ${record.attempts} times while this import ran; it was given up`;
    logger.warn('import execution given up after crashes', { name: record.name, attempts: record.attempts });
    const done = compensate({ ...(record.input as object), error: { Error: 'INTERRUPTED', Cause: JSON.stringify({ errorMessage: message }) } }).then(
      () => dropRecord(record.name),
      (error: Error) => logger.error('giving up an import failed; the next start tries again', { name: record.name, error: error.message }),
    );
    track(record.name, done, () => undefined);
    await done;
  };

  const start = async (name: string, input: Record<string, unknown>) => {
    if (!running.has(name)) await run({ name, input, startedAt: new Date().toISOString(), attempts: 1, pid: process.pid });
    return { executionId: `local:${name}` };
  };
  return {
    start,
    startImport: start,
    async recover() {
      const resumed: string[] = [];
      const failed: string[] = [];
      if (!dir) return { resumed, failed };
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
        let record: ExecutionRecord;
        try {
          record = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ExecutionRecord;
        } catch (error) {
          // Only a record written whole is ever renamed into place; anything else is not ours.
          logger.error('unreadable execution record left as is', { file, error: (error as Error).message });
          continue;
        }
        if (running.has(record.name)) continue;
        if (record.attempts > maxResumes) {
          failed.push(record.name);
          await giveUp(record);
        } else {
          resumed.push(record.name);
          logger.warn(`resuming a ${spec.label} execution the last process left unfinished`, { name: record.name, attempt: record.attempts + 1, lastPid: record.pid });
          await run({ ...record, attempts: record.attempts + 1, pid: process.pid });
        }
      }
      return { resumed, failed };
    },
    async warm() {
      machine ??= load();
      await machine;
    },
    async idle() {
      while (running.size) await Promise.all(running.values());
    },
    async close() {
      for (const abort of aborts.values()) abort();
      await Promise.all(running.values());
    },
  };
}
