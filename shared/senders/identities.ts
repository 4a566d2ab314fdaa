/**
 * Which identity provider backs sender addresses: SES where SENDER_IDENTITIES=ses (every API
 * function in AWS, infra/constructs/api.ts), else the local one mailing through the process's
 * mailer. Tests may set another. (Not in Deps: shared/runtime/deps.ts is being split by the
 * lead; this can move there afterwards.)
 */
import type { Deps } from '#shared/runtime/deps';
import type { SenderIdentities } from '#shared/ports/sender-identities';
import { createSesSenderIdentities } from '#shared/adapters/ses-sender-identities';
import { createLocalSenderIdentities } from '#shared/adapters/local-sender-identities';

let override: SenderIdentities | undefined;
let ses: SenderIdentities | undefined;

export function setSenderIdentities(identities: SenderIdentities | undefined): void {
  override = identities;
}

export function senderIdentities(deps: Pick<Deps, 'mailer' | 'systemSender'>): SenderIdentities {
  if (override) return override;
  if (process.env.SENDER_IDENTITIES === 'ses') return (ses ??= createSesSenderIdentities());
  return createLocalSenderIdentities(deps.mailer, deps.systemSender);
}
