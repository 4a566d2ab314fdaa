/**
 * What a handler needs from the outside world, built once per process from the environment
 * (Lambda) or injected by the local runtime and the tests.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#shared/db/client';
import { defaultTableName } from '#shared/table/definition';
import type { Clock } from '#shared/ports/clock';
import { systemClock } from '#shared/ports/clock';
import type { Mailer } from '#shared/ports/mailer';
import { createSesMailer } from '#shared/adapters/ses-mailer';
import { createSigner, type Signer } from '#shared/signer';
import type { SnsPort } from '#shared/ports/sns';
import { httpsSns } from '#shared/adapters/sns-https';
import type { Scheduler } from '#shared/ports/scheduler';
import { createEventBridgeScheduler } from '#shared/adapters/eventbridge-scheduler';
import type { TokenCipher } from '#shared/ports/token-cipher';
import type { WorkflowRunner } from '#shared/ports/workflow-runner';
import { createKmsTokenCipher } from '#shared/adapters/kms-token-cipher';
import { createSfnWorkflowRunner } from '#shared/adapters/sfn-workflow-runner';
import { providersConfigFromEnvironment, type ProvidersConfig } from '#shared/integrations/providers';
import type { ImportTuning } from '#shared/imports/tasks';

export interface Deps {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly signer: Signer;
  /** Public base URL of the API, used in links inside emails. */
  readonly publicBaseUrl: string;
  /** Sender of system emails (subscription confirmation). */
  readonly systemSender: string;
  /** SPEC R4: false in AWS; the local runtime may allow loopback receivers. */
  readonly allowPrivateWebhookUrls: boolean;
  /** SPEC M2: SNS signature certificates and subscription confirmation. */
  readonly sns: SnsPort;
  /** The SNS topic SES events come from; others are refused when set. */
  readonly sesEventsTopicArn?: string;
  /** SPEC A8: what runs the automated-email dispatcher at due minutes, starts and ends. */
  readonly scheduler: Scheduler;
  /** SPEC M3: mails a second, all senders together (the SES account's rate); 0: no limit. */
  readonly mailRatePerSecond: number;

  // Integrations and imports (I1-I7)
  /** OAuth tokens are stored only through this (KMS in AWS, a local key file locally). */
  readonly tokenCipher: TokenCipher;
  /** Provider endpoints and client credentials; absent where the function has no integration config. */
  readonly providers?: ProvidersConfig;
  /** Starts the import state machine. */
  readonly workflow: WorkflowRunner;
  /** Page size and parallelism of imports (defaults in shared/imports/tasks.ts). */
  readonly importTuning?: Partial<ImportTuning>;
}

let current: Deps | undefined;
let loading: Promise<Deps> | undefined;

export function setDeps(deps: Deps): void {
  current = deps;
}

/** The process's dependencies, built on first use (a Lambda cold start reads its secret once). */
export async function getDeps(): Promise<Deps> {
  if (current) return current;
  loading ??= depsFromEnvironment().then((deps) => (current = deps));
  return loading;
}

/**
 * The link-signing secret: LINK_SIGNING_SECRET directly, or (in AWS) the Secrets Manager
 * secret named by LINK_SIGNING_SECRET_ARN, so the value never sits in the function's config.
 */
async function signingSecret(): Promise<string> {
  if (process.env.LINK_SIGNING_SECRET) return process.env.LINK_SIGNING_SECRET;
  const arn = process.env.LINK_SIGNING_SECRET_ARN;
  if (!arn) throw new Error('LINK_SIGNING_SECRET or LINK_SIGNING_SECRET_ARN must be set');
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const res = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  if (!res.SecretString) throw new Error('the link-signing secret is empty');
  return res.SecretString;
}

async function secretJson(arn: string): Promise<Record<string, string>> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const res = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  return JSON.parse(res.SecretString ?? '{}') as Record<string, string>;
}

/** Integration functions get INTEGRATIONS_CONFIG and the client secrets' ARN; others need neither. */
async function integrationDeps() {
  const arn = process.env.INTEGRATIONS_SECRET_ARN;
  const providers = process.env.INTEGRATIONS_CONFIG ? providersConfigFromEnvironment(arn ? await secretJson(arn) : {}) : undefined;
  const unconfigured = (what: string) => () => Promise.reject(new Error(`${what} is not configured for this function`));
  return {
    ...(providers ? { providers } : {}),
    tokenCipher: process.env.TOKEN_KMS_KEY_ID
      ? createKmsTokenCipher(process.env.TOKEN_KMS_KEY_ID)
      : { encrypt: unconfigured('TOKEN_KMS_KEY_ID'), decrypt: unconfigured('TOKEN_KMS_KEY_ID') },
    workflow: process.env.IMPORT_STATE_MACHINE_ARN
      ? createSfnWorkflowRunner(process.env.IMPORT_STATE_MACHINE_ARN)
      : { startImport: unconfigured('IMPORT_STATE_MACHINE_ARN') },
  };
}

async function depsFromEnvironment(): Promise<Deps> {
  const secret = await signingSecret();
  return {
    db: createDocumentClient({ endpoint: process.env.DYNAMODB_ENDPOINT }),
    tableName: process.env.TABLE_NAME ?? defaultTableName,
    mailer: createSesMailer(undefined, process.env.SES_CONFIGURATION_SET),
    clock: systemClock,
    signer: createSigner(secret),
    publicBaseUrl: process.env.PUBLIC_BASE_URL ?? '',
    systemSender: process.env.SYSTEM_SENDER ?? 'no-reply@example.com',
    allowPrivateWebhookUrls: false,
    sns: httpsSns,
    scheduler: process.env.SCHEDULE_GROUP
      ? createEventBridgeScheduler({
          groupName: process.env.SCHEDULE_GROUP,
          roleArn: process.env.SCHEDULER_ROLE_ARN ?? '',
          dispatcherArn: process.env.DISPATCHER_ARN ?? '',
          ...(process.env.SCHEDULER_DLQ_ARN ? { deadLetterArn: process.env.SCHEDULER_DLQ_ARN } : {}),
        })
      : unavailableScheduler,
    mailRatePerSecond: Number(process.env.MAIL_RATE_PER_SECOND ?? 14),
    ...(process.env.SES_EVENTS_TOPIC_ARN ? { sesEventsTopicArn: process.env.SES_EVENTS_TOPIC_ARN } : {}),
    ...(await integrationDeps()),
  };
}

/** Functions that never schedule get this: a call means the stack forgot a grant. */
const unavailableScheduler: Scheduler = {
  at: async () => {
    throw new Error('no scheduler configured (SCHEDULE_GROUP unset)');
  },
  daily: async () => {
    throw new Error('no scheduler configured (SCHEDULE_GROUP unset)');
  },
  remove: async () => {
    throw new Error('no scheduler configured (SCHEDULE_GROUP unset)');
  },
};
