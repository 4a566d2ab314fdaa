/**
 * What a handler needs from the outside world: ports only. Every domain module imports this
 * type; nothing here builds anything, so it sits at the bottom of the import graph. The AWS
 * composition root (aws-deps.ts) and the local runtime (shared/local/runtime.ts) build it, and
 * current-deps.ts holds the one the process uses.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#shared/ports/clock';
import type { Mailer } from '#shared/ports/mailer';
import type { Signer } from '#shared/signer';
import type { SnsPort } from '#shared/ports/sns';
import type { Scheduler } from '#shared/ports/scheduler';
import type { TokenCipher } from '#shared/ports/token-cipher';
import type { WorkflowRunner } from '#shared/ports/workflow-runner';
import type { ProvidersConfig } from '#shared/ports/provider-config';
import type { ImportTuning } from '#shared/ports/import-tuning';
import type { HostResolver } from '#shared/ports/host-resolver';
import type { Metrics } from '#shared/ports/metrics';

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
  /** SPEC R4: how webhook hosts are resolved (the system's DNS when absent). */
  readonly resolveHost?: HostResolver;
  /** SPEC M2: SNS signature certificates and subscription confirmation. */
  readonly sns: SnsPort;
  /** The SNS topic SES events come from; others are refused when set. */
  readonly sesEventsTopicArn?: string;
  /** SPEC A8: what runs the automated-email dispatcher at due minutes, starts and ends. */
  readonly scheduler: Scheduler;
  /** SPEC M3: mails a second, all senders together (the SES account's rate); 0: no limit. */
  readonly mailRatePerSecond: number;
  /** Issue 17: business metrics (EMF in AWS, counters in the data dir locally); names in shared/metrics/names.ts. */
  readonly metrics: Metrics;

  // Integrations and imports (I1-I7)
  /** OAuth tokens are stored only through this (KMS in AWS, a local key file locally). */
  readonly tokenCipher: TokenCipher;
  /** Provider endpoints and client credentials; absent where the function has no integration config. */
  readonly providers?: ProvidersConfig;
  /** Starts the import state machine. */
  readonly workflow: WorkflowRunner;
  /** Page size and parallelism of imports (defaults in shared/imports/tasks.ts). */
  readonly importTuning?: Partial<ImportTuning>;
  /** Recipients per page task of a regular email's send (default shared/emails/send.ts DEFAULT_PAGE_SIZE). */
  readonly emailPageSize?: number;
  /**
   * Regular-email recipients claimed before this instant are this process's to finish whatever
   * their lease says: the local runtime owns its data dir alone (issue 12), so it sets its start.
   */
  readonly sendTakeoverBefore?: Date;
}

/** What a composition root answers: the deps and, when they are provisional, when to build again. */
export interface BuiltDeps {
  readonly deps: Deps;
  /** Epoch ms after which the next getDeps builds anew (e.g. a secret the operator has yet to fill in). */
  readonly rebuildAfterMs?: number;
}
