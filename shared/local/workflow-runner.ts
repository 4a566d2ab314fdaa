/**
 * SPEC I7 locally: the import state machine's one definition, run in-process by
 * aws-local-stepfunctions, each Task state mapped to the very handler module its Lambda runs
 * (functions/<id>/handler.ts). Retry intervals are shortened locally (a run option, not a
 * change of the definition) so failure paths finish in milliseconds rather than seconds.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { WorkflowRunner } from '#shared/ports/workflow-runner';
import { importStateMachineDefinition, importTasks, type ImportTaskPlaceholder } from '#shared/imports/state-machine';
import { logger } from '#shared/logger';

// aws-local-stepfunctions 3 declares node >= 22 for Promise.withResolvers (ES2024); Node 20 lacks it.
type Resolvers = { promise: Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };
const P = Promise as unknown as { withResolvers?: () => Resolvers };
P.withResolvers ??= () => {
  let resolve!: Resolvers['resolve'];
  let reject!: Resolvers['reject'];
  const promise = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const repoRoot = resolve(import.meta.dirname, '..', '..');
type TaskFn = (input: unknown) => Promise<unknown>;

interface StateNode {
  Type: string;
  Resource?: string;
  ItemProcessor?: { States: Record<string, StateNode> };
}

/** Task state name → the placeholder of its Resource, for the whole definition (Map processors included). */
function taskStates(states: Record<string, StateNode>, out = new Map<string, ImportTaskPlaceholder>()) {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task' && state.Resource) {
      const placeholder = /^\$\{(\w+)\}$/.exec(state.Resource)?.[1];
      if (!placeholder || !(placeholder in importTasks)) throw new Error(`task ${name} has no known placeholder resource`);
      out.set(name, placeholder as ImportTaskPlaceholder);
    }
    if (state.ItemProcessor) taskStates(state.ItemProcessor.States, out);
  }
  return out;
}

/** The definition with each placeholder replaced by a syntactically valid Lambda ARN (never called). */
function substituted(): unknown {
  let text = JSON.stringify(importStateMachineDefinition);
  for (const [placeholder, id] of Object.entries(importTasks)) {
    text = text.replaceAll(`\${${placeholder}}`, `arn:aws:lambda:ap-northeast-2:000000000000:function:${id}`);
  }
  return JSON.parse(text);
}

export interface LocalWorkflowRunner extends WorkflowRunner {
  /** Resolves when no execution is running (tests and the benchmark wait on it). */
  idle(): Promise<void>;
  /** Loads the library and the task handlers now rather than on the first import. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

export function createLocalWorkflowRunner(options: { retryIntervalMs?: number } = {}): LocalWorkflowRunner {
  const running = new Map<string, Promise<unknown>>();
  const aborts = new Map<string, () => void>();
  let machine: Promise<{ run: (input: unknown) => { result: Promise<unknown>; abort: () => void } }> | undefined;

  const load = async () => {
    const { StateMachine } = await import('aws-local-stepfunctions');
    const tasks = taskStates(importStateMachineDefinition.States as unknown as Record<string, StateNode>);
    // Handlers return the JSON the Lambda would; the library types that as its JSONValue.
    const handlers: Record<string, (input: unknown) => Promise<never>> = {};
    const retryIntervalOverrides: Record<string, number> = {};
    for (const [stateName, placeholder] of tasks) {
      const module = (await import(pathToFileURL(resolve(repoRoot, 'functions', importTasks[placeholder], 'handler.ts')).href)) as { handler: TaskFn };
      handlers[stateName] = (input) => module.handler(input) as Promise<never>;
      if (options.retryIntervalMs !== undefined) retryIntervalOverrides[stateName] = options.retryIntervalMs;
    }
    const sm = new StateMachine(substituted() as ConstructorParameters<typeof StateMachine>[0]);
    return {
      run: (input: unknown) =>
        sm.run(input as Parameters<typeof sm.run>[0], {
          noThrowOnAbort: true,
          // In-process, compensation itself waits for straggling page writes (shared/imports/tasks.ts).
          overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides, waitTimeOverrides: { WaitForStragglers: 0 } },
        }),
    };
  };

  return {
    async startImport(name, input) {
      machine ??= load();
      const execution = (await machine).run(input);
      const done = execution.result.then(
        () => logger.debug('import execution succeeded', { name }),
        (error: Error) => logger.info('import execution failed', { name, error: error.message }),
      );
      running.set(name, done);
      aborts.set(name, execution.abort);
      void done.finally(() => {
        running.delete(name);
        aborts.delete(name);
      });
      return { executionId: `local:${name}` };
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
