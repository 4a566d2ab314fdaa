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
}

let current: Deps | undefined;

export function setDeps(deps: Deps): void {
  current = deps;
}

export function getDeps(): Deps {
  current ??= depsFromEnvironment();
  return current;
}

function depsFromEnvironment(): Deps {
  const secret = process.env.LINK_SIGNING_SECRET;
  if (!secret) throw new Error('LINK_SIGNING_SECRET is not set');
  return {
    db: createDocumentClient({ endpoint: process.env.DYNAMODB_ENDPOINT }),
    tableName: process.env.TABLE_NAME ?? defaultTableName,
    mailer: createSesMailer(undefined, process.env.SES_CONFIGURATION_SET),
    clock: systemClock,
    signer: createSigner(secret),
    publicBaseUrl: process.env.PUBLIC_BASE_URL ?? '',
    systemSender: process.env.SYSTEM_SENDER ?? 'no-reply@example.com',
  };
}
