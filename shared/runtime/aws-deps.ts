/**
 * The AWS composition root: a Lambda's Deps from its environment, which the stack sets per
 * function from what its route declares. A function gets only what its environment names: no
 * LINK_SIGNING_SECRET_ARN (a route with table access `none`) means no secret is read and the
 * signer refuses to be used; no SCHEDULE_GROUP means no scheduler, and so on. A missing grant then
 * shows as a clear error at the call, never as a failed cold start of an unrelated route.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDocumentClient } from '#shared/db/client';
import { defaultTableName } from '#shared/table/definition';
import { systemClock } from '#shared/ports/clock';
import { createSesMailer } from '#shared/adapters/ses-mailer';
import { createSigner, parseSigningSecret, SIGNING_SECRET_REFRESH_MS, type Signer } from '#shared/signer';
import { httpsSns } from '#shared/adapters/sns-https';
import type { Scheduler } from '#shared/ports/scheduler';
import { createEventBridgeScheduler } from '#shared/adapters/eventbridge-scheduler';
import { createKmsTokenCipher } from '#shared/adapters/kms-token-cipher';
import { sfnStarter } from '#shared/adapters/sfn-workflow-runner';
import { providersConfigFromEnvironment } from '#shared/integrations/providers';
import { providers as providerNames, type Provider } from '#shared/ports/provider-config';
import { logger } from '#shared/logger';
import { createEmfMetrics } from '#shared/adapters/emf-metrics';
import type { BuiltDeps, Deps } from './deps';

/** How long a function whose integration secret is not filled in yet waits before reading it again. */
export const UNFILLED_SECRET_RETRY_MS = 60_000;

let secrets: SecretsManagerClient | undefined;
async function secretString(arn: string): Promise<string> {
  secrets ??= new SecretsManagerClient({});
  const res = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  return res.SecretString ?? '';
}

/**
 * The link-signing secret: LINK_SIGNING_SECRET directly, or (in AWS) the Secrets Manager
 * secret named by LINK_SIGNING_SECRET_ARN, so the value never sits in the function's config.
 * Either is a plain secret or, after `npm run admin -- rotate-link-secret --aws`, a keyring
 * (shared/signer.ts SigningKeyring) whose retired secrets still verify old links.
 */
async function signingSecret(): Promise<string | undefined> {
  if (process.env.LINK_SIGNING_SECRET) return process.env.LINK_SIGNING_SECRET;
  const arn = process.env.LINK_SIGNING_SECRET_ARN;
  if (!arn) return undefined;
  const value = await secretString(arn);
  if (!value) throw new Error('the link-signing secret is empty');
  return value;
}

/**
 * The providers' OAuth client secrets: `{"sixshop": "...", "donus": "..."}` (docs/deploy.md).
 * The stack creates the secret with both keys empty; anything else an operator may have
 * written (plain text, other keys) counts as not filled in rather than failing the function.
 */
export function parseClientSecrets(raw: string): Partial<Record<Provider, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const out: Partial<Record<Provider, string>> = {};
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const p of providerNames) {
      const value = Object.hasOwn(parsed, p) ? (parsed as Record<string, unknown>)[p] : undefined;
      if (typeof value === 'string' && value) out[p] = value;
    }
  }
  return out;
}

const unconfigured = (what: string) => () => Promise.reject(new Error(`${what} is not configured for this function`));

/** A signer for functions that sign nothing: a call means the stack forgot the secret. */
const unavailableSigner: Signer = {
  sign: () => {
    throw new Error('no link-signing secret configured for this function (LINK_SIGNING_SECRET_ARN unset)');
  },
  verify: () => {
    throw new Error('no link-signing secret configured for this function (LINK_SIGNING_SECRET_ARN unset)');
  },
  stableKey: () => {
    throw new Error('no link-signing secret configured for this function (LINK_SIGNING_SECRET_ARN unset)');
  },
  openStableKey: () => {
    throw new Error('no link-signing secret configured for this function (LINK_SIGNING_SECRET_ARN unset)');
  },
};

/** Functions that never schedule get this: a call means the stack forgot a grant. */
const unavailableScheduler: Scheduler = {
  at: unconfigured('the scheduler (SCHEDULE_GROUP)'),
  daily: unconfigured('the scheduler (SCHEDULE_GROUP)'),
  remove: unconfigured('the scheduler (SCHEDULE_GROUP)'),
};

/** Integration functions get INTEGRATIONS_CONFIG and the client secrets' ARN; others need neither. */
async function integrationDeps(): Promise<{ part: Pick<Deps, 'providers' | 'tokenCipher' | 'workflow'>; complete: boolean }> {
  const arn = process.env.INTEGRATIONS_SECRET_ARN;
  let complete = true;
  let providers: Deps['providers'];
  if (process.env.INTEGRATIONS_CONFIG) {
    const clientSecrets = arn ? parseClientSecrets(await secretString(arn)) : {};
    const missing = providerNames.filter((p) => !clientSecrets[p]);
    if (arn && missing.length) {
      complete = false;
      logger.warn('integration client secrets not filled in; connecting these providers is refused until they are', {
        missing,
        expected: '{"sixshop": "<client secret>", "donus": "<client secret>"}',
      });
    }
    providers = providersConfigFromEnvironment(clientSecrets);
  }
  return {
    complete,
    part: {
      ...(providers ? { providers } : {}),
      tokenCipher: process.env.TOKEN_KMS_KEY_ID
        ? createKmsTokenCipher(process.env.TOKEN_KMS_KEY_ID)
        : { encrypt: unconfigured('TOKEN_KMS_KEY_ID'), decrypt: unconfigured('TOKEN_KMS_KEY_ID') },
      workflow: {
        startImport: process.env.IMPORT_STATE_MACHINE_ARN ? sfnStarter(process.env.IMPORT_STATE_MACHINE_ARN) : unconfigured('IMPORT_STATE_MACHINE_ARN'),
        // Issue 15: the send route and the dispatcher (reserved emails) start regular emails' sends.
        startEmailSend: process.env.EMAIL_SEND_STATE_MACHINE_ARN ? sfnStarter(process.env.EMAIL_SEND_STATE_MACHINE_ARN) : unconfigured('EMAIL_SEND_STATE_MACHINE_ARN'),
      },
    },
  };
}

// Kept across rebuilds (the signing secret is read again every few minutes): one client, one
// connection pool, for as long as the environment it was made from stays the same.
let db: { client: ReturnType<typeof createDocumentClient>; made: string } | undefined;
function documentClient() {
  const made = [process.env.DYNAMODB_ENDPOINT, process.env.AWS_REGION, process.env.AWS_ACCESS_KEY_ID].join('|');
  if (db?.made !== made) db = { client: createDocumentClient({ endpoint: process.env.DYNAMODB_ENDPOINT }), made };
  return db.client;
}

export async function depsFromEnvironment(): Promise<BuiltDeps> {
  const [secret, integrations] = await Promise.all([signingSecret(), integrationDeps()]);
  const deps: Deps = {
    db: documentClient(),
    tableName: process.env.TABLE_NAME ?? defaultTableName,
    mailer: createSesMailer(undefined, process.env.SES_CONFIGURATION_SET),
    clock: systemClock,
    signer: secret ? createSigner(parseSigningSecret(secret)) : unavailableSigner,
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
    metrics: createEmfMetrics(),
    ...(process.env.SES_EVENTS_TOPIC_ARN ? { sesEventsTopicArn: process.env.SES_EVENTS_TOPIC_ARN } : {}),
    ...integrations.part,
  };
  // Issue 17: a rotated link-signing secret reaches warm functions within SIGNING_SECRET_REFRESH_MS (shared/signer.ts).
  const refresh = process.env.LINK_SIGNING_SECRET_ARN && !process.env.LINK_SIGNING_SECRET ? Date.now() + SIGNING_SECRET_REFRESH_MS : undefined;
  const retry = integrations.complete ? undefined : Date.now() + UNFILLED_SECRET_RETRY_MS;
  const rebuildAfterMs = Math.min(refresh ?? Infinity, retry ?? Infinity);
  return Number.isFinite(rebuildAfterMs) ? { deps, rebuildAfterMs } : { deps };
}
