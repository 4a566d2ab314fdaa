/**
 * The email-send state machine (issue 15), defined once as Amazon States Language: CDK deploys
 * it (infra/constructs/email-sends.ts) and the local runner executes it (shared/local/workflow-runner.ts),
 * as the import's is.
 *
 *   Prepare ─► Shards (Map over the list's shards, MaxConcurrency = shards) ─► Finish
 *                 └─ SendPage ─► MorePages? ─(not done)─► SendPage …   (one page of recipients a task)
 *
 * Each SendPage invocation handles one page (DEFAULT_PAGE_SIZE recipients) and hands the next
 * cursor back, so no invocation works on a whole send and each is far inside its timeout; the
 * shards are the bounded parallel workers. docs/api.md ("Sending") gives the reasons and numbers.
 */

export const emailSendTasks = {
  EmailSendPrepareFunction: 'email-send-prepare',
  EmailSendPageFunction: 'email-send-page',
  EmailSendFinishFunction: 'email-send-finish',
} as const;

const transient = ['TransientError', 'States.Timeout', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'Lambda.Unknown'];

export const emailSendStateMachineDefinition = {
  Comment: 'Send a regular email to its recipients, page by page, shards in parallel (issue 15)',
  StartAt: 'Prepare',
  States: {
    Prepare: {
      Type: 'Task',
      Resource: '${EmailSendPrepareFunction}',
      Parameters: { 'emailId.$': '$.emailId' },
      TimeoutSeconds: 60,
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 6 }],
      Next: 'Shards',
    },
    Shards: {
      Type: 'Map',
      Comment: "One worker per shard of the list's subscribers; each pages through its shard",
      ItemsPath: '$.shards',
      MaxConcurrencyPath: '$.concurrency',
      ItemSelector: { 'emailId.$': '$.emailId', 'pageSize.$': '$.pageSize', 'shard.$': '$$.Map.Item.Value', cursor: null },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'SendPage',
        States: {
          SendPage: {
            Type: 'Task',
            Resource: '${EmailSendPageFunction}',
            TimeoutSeconds: 120,
            // A page another attempt holds (or recipients SES may still report): its lease (150 s) ends before the retries do.
            Retry: [
              { ErrorEquals: ['RecipientsHeld'], IntervalSeconds: 30, BackoffRate: 2, MaxAttempts: 8 },
              { ErrorEquals: transient, IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 8, JitterStrategy: 'FULL' },
            ],
            ResultSelector: { 'emailId.$': '$.emailId', 'shard.$': '$.shard', 'cursor.$': '$.cursor', 'pageSize.$': '$.pageSize', 'done.$': '$.done' },
            Next: 'MorePages',
          },
          MorePages: {
            Type: 'Choice',
            Choices: [{ Variable: '$.done', BooleanEquals: false, Next: 'SendPage' }],
            Default: 'ShardDone',
          },
          ShardDone: { Type: 'Succeed' },
        },
      },
      ResultPath: null,
      Next: 'Finish',
    },
    Finish: {
      Type: 'Task',
      Resource: '${EmailSendFinishFunction}',
      Parameters: { 'emailId.$': '$.emailId' },
      TimeoutSeconds: 60,
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 8 }],
      End: true,
    },
  },
} as const;
