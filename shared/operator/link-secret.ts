/**
 * Issue 17: rotating the link-signing secret. Links already mailed (unsubscribe 365 days,
 * tracking, confirmations) keep working for their lifetime: the secret replaced is kept in the
 * keyring for verification (shared/signer.ts). In AWS the keyring is the stack's Secrets
 * Manager secret (LinkSigningSecret) and the new secret starts signing ROTATION_ACTIVATION_MS
 * later, once every warm function read it; locally it is local-state.json in the data dir and
 * `npm start` signs with the new secret from its next start.
 */
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseSigningSecret, rotateSigningKeyring, serializeSigningKeyring, ROTATION_ACTIVATION_MS, type SigningKeyring } from '#shared/signer';
import { loadLocalState, saveLocalState } from '#shared/local/state';
import { OperatorError } from './dead-letters';

/** What the CLI prints: never a secret, only when each one signs or verifies until. */
export const describeKeyring = (k: SigningKeyring) => ({
  signing: k.next ? `current until ${k.next.activeAt}, then the new secret` : 'current',
  retired: k.previous.map((p) => ({ retiredAt: p.retiredAt, verifiesUntil: p.keepUntil })),
});

export function rotateLocalLinkSecret(dataDir: string, now: Date): SigningKeyring {
  if (!existsSync(join(dataDir, 'local-state.json'))) throw new OperatorError(`no ${join(dataDir, 'local-state.json')}: start the server once (npm start) first`);
  const state = loadLocalState(dataDir, true);
  const rotated = rotateSigningKeyring({ current: state.signingSecret, previous: state.previousSigningSecrets ?? [] }, now);
  saveLocalState(dataDir, { ...state, signingSecret: rotated.current, previousSigningSecrets: rotated.previous });
  return rotated;
}

export async function rotateAwsLinkSecret(secretId: string, now: Date, client = new SecretsManagerClient({})): Promise<SigningKeyring> {
  const res = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!res.SecretString) throw new OperatorError(`the secret ${secretId} is empty`);
  let rotated: SigningKeyring;
  try {
    rotated = rotateSigningKeyring(parseSigningSecret(res.SecretString), now, ROTATION_ACTIVATION_MS);
  } catch (error) {
    throw new OperatorError((error as Error).message);
  }
  await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: serializeSigningKeyring(rotated) }));
  return rotated;
}
