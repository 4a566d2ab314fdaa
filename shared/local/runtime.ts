/**
 * The embedded default: everything `npm start` and the tests run in one process, wired to the
 * same handlers and domain code as Lambda, with local adapters behind the ports.
 */
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '#shared/db/client';
import type { Deps } from '#shared/runtime/deps';
import { setDeps } from '#shared/runtime/current-deps';
import { systemClock, type Clock } from '#shared/ports/clock';
import { createOutboxMailer, createSmtpMailer } from '#shared/adapters/outbox-mailer';
import { createSigner, type SigningKeyring } from '#shared/signer';
import type { Mailer } from '#shared/ports/mailer';
import type { SnsPort } from '#shared/ports/sns';
import { httpsSns } from '#shared/adapters/sns-https';
import { ensureTable } from './bootstrap-table';
import { startLocalServer } from './http-server';
import { createTokenBucketLimiter } from './rate-limiter';
import { startEmbeddedWorker } from './worker';
import { defaultWorkerOptions, type WorkerOptions } from '#shared/webhooks/worker';
import { startEmbeddedScheduler, type EmbeddedScheduler } from './embedded-scheduler';
import { createRateLimitedMailer } from '#shared/mail/rate-limit';
import { resumeSends, runDispatch } from '#shared/automations/dispatch';
import { createLocalTokenCipher, loadOrCreateKey } from '#shared/adapters/local-token-cipher';
import type { ProvidersConfig } from '#shared/ports/provider-config';
import type { ImportTuning } from '#shared/ports/import-tuning';
import { startProviderSimulator, type ProviderSimulator } from './provider-simulator';
import { logger } from '#shared/logger';
import { createLocalWorkflowRunner, type LocalWorkflowRunner } from './workflow-runner';
import { emailSendStateMachineDefinition, emailSendTasks } from '#shared/emails/state-machine';
import { resumeEmailSends, runReservedSend } from '#shared/emails/send';
import type { StoreGuard } from './store-guard';
import { startDynamoDbWarmup, type WarmupReport } from './dynamodb-warmup';
import { createLocalMetrics, localMetricsFile, type LocalMetrics } from '#shared/adapters/local-metrics';

export interface LocalRuntimeOptions {
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly dataDir: string;
  /** A secret, or the keyring `npm run admin -- rotate-link-secret` leaves (issue 17). */
  readonly signingSecret: string | SigningKeyring;
  readonly port: number;
  readonly host?: string;
  /** Requests per second per workspace and bucket size; 10 and 10 like the AWS usage plan. */
  readonly rateLimit?: { perSecond: number; burst: number };
  /** Issue 14: requests per second per client IP on public routes and bucket size (DEFAULT_PUBLIC_RATE_LIMIT). */
  readonly publicRateLimit?: { perSecond: number; burst: number };
  readonly publicBaseUrl?: string;
  readonly clock?: Clock;
  readonly mailer?: Mailer;
  /** SPEC R4 locally: loopback and private receivers allowed (default), unlike in AWS. */
  readonly allowPrivateWebhookUrls?: boolean;
  /** SPEC R4: how webhook hosts resolve (tests answer differently per call, as DNS rebinding does). */
  readonly resolveHost?: Deps['resolveHost'];
  /** SNS certificate source (tests sign with their own key). */
  readonly sns?: SnsPort;
  /** Webhook retry timing (tests shorten it). */
  readonly webhookWorker?: Partial<WorkerOptions> & { intervalMs?: number };
  /** SPEC M3: mails a second for every sender together; default MAIL_RATE_PER_SECOND or none. */
  readonly mailRatePerSecond?: number;
  /** How often the embedded scheduler looks for due entries (ms). */
  readonly schedulerIntervalMs?: number;
  // Integrations and imports (I1-I7)
  /** Provider endpoints; without them the runtime starts its own simulators of both providers. */
  readonly providers?: ProvidersConfig;
  /** Members the started simulators hold at first (default 100). */
  readonly simulatorMembers?: number;
  readonly simulatorPort?: number;
  /** Where the simulators keep their knobs and issued tokens across restarts (`npm start`: in the data dir). */
  readonly simulatorStateFile?: string;
  /** Import page size and parallelism. */
  readonly importTuning?: Partial<ImportTuning>;
  /** Wait between retries of a failed import step (default 50 ms locally; seconds in AWS). */
  readonly importRetryIntervalMs?: number;
  /** Keep import executions on disk to resume them after a crash (default; not for an in-memory database). */
  readonly durableExecutions?: boolean;
  /** Runs again of an import execution a crash interrupted, before it is failed (default 2, or IMPORT_MAX_RESUMES). */
  readonly importMaxResumes?: number;
  /**
   * Load the import state machine and its task handlers in the background at start rather than
   * on the first import (about 0.7 s of module loading it would otherwise wait for). `npm start`
   * does; tests that never import need not pay for it.
   */
  readonly warmImports?: boolean;
  /**
   * Warm DynamoDB Local's JIT in the background at start, at low priority (issue 16,
   * shared/local/dynamodb-warmup.ts): `npm start` does, so the first import a new user runs is
   * not one on a cold JVM. Tests need not pay for it.
   */
  readonly warmDatabase?: boolean;
  /** Recipients per page task of a regular email's send (issue 15; default 500). */
  readonly emailPageSize?: number;
  /** Refuses writes on a full disk and every command while the database restarts (issue 12; `npm start` installs one). */
  readonly storeGuard?: StoreGuard;
}

export interface LocalRuntime {
  readonly url: string;
  readonly deps: Deps;
  readonly outboxDir: string;
  readonly scheduler: EmbeddedScheduler;
  /** The provider simulators, when the runtime started them. */
  readonly simulator?: ProviderSimulator;
  /** Runs the import state machine in-process. */
  readonly workflow: LocalWorkflowRunner;
  /** Runs the email-send state machine in-process (issue 15). */
  readonly emailSends: LocalWorkflowRunner;
  /** Settles when the start's database warm-up has ended (undefined without `warmDatabase`). */
  readonly databaseWarm: Promise<WarmupReport | undefined>;
  /** Issue 17: the business metrics, also in <dataDir>/metrics.json for `npm run admin -- stats`. */
  readonly metrics: LocalMetrics;
  close(): Promise<void>;
}

export const DEFAULT_RATE_LIMIT = { perSecond: 10, burst: 10 };
/** Per client IP on the public routes: a person reading mail never comes near it (docs/security.md). */
export const DEFAULT_PUBLIC_RATE_LIMIT = { perSecond: 5, burst: 50 };

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const raw = new DynamoDBClient({
    endpoint: options.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(raw, options.tableName);
  raw.destroy();
  const outboxDir = join(options.dataDir, 'outbox');
  const db = createDocumentClient({ endpoint: options.dynamoEndpoint, region: 'local' });
  // The warm-up yields to the application's own calls (counted here).
  let appCallsInFlight = 0;
  if (options.warmDatabase) {
    db.middlewareStack.add(
      (next) => async (args) => {
        appCallsInFlight++;
        try {
          return await next(args);
        } finally {
          appCallsInFlight--;
        }
      },
      { step: 'initialize', name: 'warmupYield' },
    );
  }
  const warmup = options.warmDatabase
    ? startDynamoDbWarmup({ endpoint: options.dynamoEndpoint, tableName: options.tableName, busy: () => appCallsInFlight > 0 })
    : undefined;
  const databaseWarm = warmup ? warmup.done.catch((error: Error) => (logger.warn('database warm-up failed', { error: error.message }), undefined)) : Promise.resolve(undefined);
  options.storeGuard?.install(db);
  const paused = () => options.storeGuard?.paused ?? false;
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  const mailRatePerSecond = options.mailRatePerSecond ?? Number(process.env.MAIL_RATE_PER_SECOND ?? 0);
  // The scheduler runs the dispatcher with the runtime's deps, which hold the scheduler: tie the knot late.
  let current: Deps | undefined;
  const scheduler = startEmbeddedScheduler({
    clock,
    run: async (event) => current && (event.kind === 'emailSend' ? runReservedSend(current, event) : runDispatch(current, event)),
    file: join(options.dataDir, 'schedules.json'),
    intervalMs: options.schedulerIntervalMs,
    paused,
  });
  const simulator = options.providers
    ? undefined
    : await startProviderSimulator({
        memberCount: options.simulatorMembers,
        ...(options.simulatorPort !== undefined ? { port: options.simulatorPort } : {}),
        ...(options.simulatorStateFile ? { stateFile: options.simulatorStateFile } : {}),
      });
  const workflow = createLocalWorkflowRunner({
    retryIntervalMs: options.importRetryIntervalMs ?? 50,
    ...(options.durableExecutions === false ? {} : { executionsDir: join(options.dataDir, 'executions') }),
    maxResumes: options.importMaxResumes ?? (process.env.IMPORT_MAX_RESUMES ? Number(process.env.IMPORT_MAX_RESUMES) : undefined),
  });
  // Issue 15: regular emails' sends, the same definition CDK deploys. Its own retry intervals (a
  // page waits out the lease of recipients another attempt holds); resumed after any number of crashes.
  const emailSends = createLocalWorkflowRunner({
    ...(options.durableExecutions === false ? {} : { executionsDir: join(options.dataDir, 'email-executions') }),
    maxResumes: Number.MAX_SAFE_INTEGER,
    machine: { label: 'email send', definition: emailSendStateMachineDefinition, tasks: emailSendTasks },
  });
  const metrics = createLocalMetrics({ file: localMetricsFile(options.dataDir) });
  if (options.warmImports) void workflow.warm().catch((error: Error) => logger.warn('import runner failed to load', { error: error.message }));
  const depsBase = {
    db,
    tableName: options.tableName,
    mailer: createRateLimitedMailer(options.mailer ?? (process.env.SMTP_URL ? createSmtpMailer(process.env.SMTP_URL) : createOutboxMailer(outboxDir)), { db, tableName: options.tableName }, mailRatePerSecond),
    clock,
    scheduler,
    mailRatePerSecond,
    metrics,
    signer: createSigner(options.signingSecret),
    systemSender: process.env.SYSTEM_SENDER ?? 'no-reply@localhost',
    allowPrivateWebhookUrls: options.allowPrivateWebhookUrls ?? true,
    ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    sns: options.sns ?? httpsSns,
    tokenCipher: createLocalTokenCipher(loadOrCreateKey(join(options.dataDir, 'integration-token.key'))),
    providers: options.providers ?? simulator!.config,
    workflow: { startImport: workflow.start, startEmailSend: emailSends.start },
    ...(options.importTuning ? { importTuning: options.importTuning } : {}),
    ...(options.emailPageSize ? { emailPageSize: options.emailPageSize } : {}),
    // Issue 15: recipients a previous process claimed and never recorded are this one's to finish.
    sendTakeoverBefore: startedAt,
  };
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const publicLimit = options.publicRateLimit ?? DEFAULT_PUBLIC_RATE_LIMIT;
  // The server's own URL is only known once it listens; links in emails need it.
  let deps: Deps = { ...depsBase, publicBaseUrl: options.publicBaseUrl ?? '' };
  setDeps(deps);
  current = deps;
  const server = await startLocalServer({
    deps: depsBase,
    limiter: createTokenBucketLimiter(limit.perSecond, limit.burst),
    publicLimiter: createTokenBucketLimiter(publicLimit.perSecond, publicLimit.burst),
    port: options.port,
    host: options.host,
  });
  if (!options.publicBaseUrl) {
    deps = { ...depsBase, publicBaseUrl: server.url };
    setDeps(deps);
    current = deps;
  }
  // Issue 12: imports a previous process left unfinished are resumed (or failed) before anything else runs them.
  const recovered = await workflow.recover();
  if (recovered.resumed.length || recovered.failed.length) logger.warn('import executions recovered', recovered);
  // Issue 15: sends of regular emails a previous process left running go on (claims make it safe).
  await emailSends.recover();
  await resumeEmailSends(deps).catch((error: Error) => logger.error('resuming regular email sends at start failed', { error: error.message }));
  const worker = startEmbeddedWorker(deps, { ...defaultWorkerOptions, ...options.webhookWorker }, options.webhookWorker?.intervalMs ?? 250, paused);
  // Issue 12: this runtime owns its data dir alone, so sends a previous process claimed and never
  // recorded are its to finish now (lease ended or not), and overdue ones go now.
  const sweep = resumeSends(deps, startedAt).catch((error: Error) => logger.error('resuming sends at start failed', { error: error.message }));
  return {
    url: server.url,
    deps,
    outboxDir,
    scheduler,
    ...(simulator ? { simulator } : {}),
    workflow,
    emailSends,
    databaseWarm,
    metrics,
    close: async () => {
      await warmup?.stop();
      await sweep;
      await scheduler.stop();
      await workflow.close();
      await emailSends.close();
      await simulator?.close();
      await worker.stop();
      await server.close();
      metrics.close();
      deps.db.destroy();
    },
  };
}
