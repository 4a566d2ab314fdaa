/**
 * The import state machine (SPEC I3, I4, I7), defined once as Amazon States Language: CDK
 * deploys this object and the local runner executes it with aws-local-stepfunctions.
 * `${...}` placeholders are DefinitionSubstitutions (the task Lambdas' ARNs) in AWS; locally
 * each Task state runs the same handler module in-process (see `importTasks`).
 *
 *   Prepare ─► WritePages (Map over page numbers, bounded concurrency) ─► Switch ─► Cleanup ─► done
 *      │              │ (Retry per page, then Catch)                         │         └► (Catch) LeftForNextImport
 *      └──────────────┴─────────────── Catch ──► Compensate ─► WasSwitched? ─┘
 *                                                                  └► WaitForStragglers ─► SweepFailedGeneration ─► ImportFailed (Fail)
 *
 * docs/imports.md explains what each step writes and why a crash anywhere leaves the list as
 * it was.
 */

/** Placeholder → function id (functions/<id>/handler.ts): the Lambdas CDK creates and the local runner loads. */
export const importTasks = {
  ImportPrepareFunction: 'import-prepare',
  ImportWritePageFunction: 'import-write-page',
  ImportSwitchFunction: 'import-switch',
  ImportCleanupFunction: 'import-cleanup',
  ImportCompensateFunction: 'import-compensate',
} as const;
export type ImportTaskPlaceholder = keyof typeof importTasks;

/**
 * Errors worth another attempt: provider hiccups, anything a task did not recognise (a crash),
 * and the Lambda service's own. Permanent ones (IntegrationNotConnected, ProviderAuthFailed,
 * ImportSuperseded) are not listed and go straight to the Catch.
 */
const transient = [
  'ProviderUnavailable',
  'TransientError',
  'States.Timeout',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
];
const retry = (maxAttempts: number) => [{ ErrorEquals: transient, IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: maxAttempts, JitterStrategy: 'FULL' }];
const toCompensation = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Compensate' }];
/** The job's identity, passed to every task. */
const job = { 'jobId.$': '$.jobId', 'listId.$': '$.listId', 'workspaceId.$': '$.workspaceId', 'provider.$': '$.provider', 'gen.$': '$.gen', 'previousGen.$': '$.previousGen' };

export const importStateMachineDefinition = {
  Comment: 'Import a provider list into a new generation of a linked list, then switch to it (SPEC I3, I4)',
  StartAt: 'Prepare',
  TimeoutSeconds: 3600,
  States: {
    Prepare: {
      Type: 'Task',
      Comment: 'Check the connection, count the pages, clean generations earlier imports left behind',
      Resource: '${ImportPrepareFunction}',
      Parameters: job,
      TimeoutSeconds: 300,
      Retry: retry(3),
      Catch: toCompensation,
      Next: 'WritePages',
    },
    WritePages: {
      Type: 'Map',
      Comment: 'Each page of members is fetched and written into the new generation; pages run in parallel',
      ItemsPath: '$.pages',
      MaxConcurrencyPath: '$.concurrency',
      ItemSelector: { ...job, 'pageSize.$': '$.pageSize', 'page.$': '$$.Map.Item.Value' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'WritePage',
        States: {
          WritePage: {
            Type: 'Task',
            Resource: '${ImportWritePageFunction}',
            TimeoutSeconds: 120,
            Retry: retry(4),
            End: true,
          },
        },
      },
      ResultPath: '$.pageResults',
      Catch: toCompensation,
      Next: 'Switch',
    },
    Switch: {
      Type: 'Task',
      Comment: 'Counters of the new generation, then one transaction: list → new generation, groups reset, job completed, event',
      Resource: '${ImportSwitchFunction}',
      Parameters: { ...job, 'pageResults.$': '$.pageResults' },
      TimeoutSeconds: 300,
      Retry: retry(4),
      Catch: toCompensation,
      ResultPath: '$.switched',
      Next: 'Cleanup',
    },
    Cleanup: {
      Type: 'Task',
      Comment: 'Delete the previous generation (unreachable since the switch)',
      Resource: '${ImportCleanupFunction}',
      Parameters: job,
      TimeoutSeconds: 900,
      Retry: retry(5),
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.cleanupError', Next: 'LeftForNextImport' }],
      ResultPath: '$.cleanup',
      End: true,
    },
    LeftForNextImport: {
      Type: 'Succeed',
      Comment: 'The import succeeded; the old generation stays listed on the list and the next import deletes it',
    },
    Compensate: {
      Type: 'Task',
      Comment: 'Job failed, lock released, the new generation deleted (it stays listed as stale until the next import re-checks it)',
      Resource: '${ImportCompensateFunction}',
      Parameters: { ...job, 'error.$': '$.error' },
      TimeoutSeconds: 900,
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 8 }],
      ResultPath: '$.compensation',
      Next: 'WasSwitched',
    },
    WasSwitched: {
      Type: 'Choice',
      Comment: 'A Switch that failed after its transaction committed is a success, not a failure',
      Choices: [{ Variable: '$.compensation.switched', BooleanEquals: true, Next: 'Cleanup' }],
      Default: 'WaitForStragglers',
    },
    WaitForStragglers: {
      Type: 'Wait',
      Comment: "Page tasks still running when the Map failed end by their timeout (120 s); then sweep again",
      Seconds: 150,
      Next: 'SweepFailedGeneration',
    },
    SweepFailedGeneration: {
      Type: 'Task',
      Comment: 'The compensation again: the job is already failed, so it only deletes the new generation once more',
      Resource: '${ImportCompensateFunction}',
      Parameters: { ...job, 'error.$': '$.error' },
      TimeoutSeconds: 900,
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 8 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.sweepError', Next: 'ImportFailed' }],
      ResultPath: '$.sweep',
      Next: 'ImportFailed',
    },
    ImportFailed: { Type: 'Fail', Error: 'ImportFailed', Cause: 'The import failed; the list is unchanged (see the job for why)' },
  },
} as const;
