/** What the local runtime keeps between starts under .data/: the link-signing secret and the first workspace. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SigningKeyring } from '#shared/signer';

export interface LocalState {
  signingSecret: string;
  /** Issue 17: secrets retired by `npm run admin -- rotate-link-secret`, verifying old links until keepUntil. */
  previousSigningSecrets?: SigningKeyring['previous'];
  workspaceId?: string;
}

export function loadLocalState(dataDir: string, persistent: boolean): LocalState {
  const file = join(dataDir, 'local-state.json');
  if (persistent && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalState;
  return { signingSecret: randomBytes(32).toString('hex') };
}

export function saveLocalState(dataDir: string, state: LocalState): void {
  mkdirSync(dataDir, { recursive: true });
  // Mode 0600: the file holds the secret that signs links in emails.
  writeFileSync(join(dataDir, 'local-state.json'), JSON.stringify(state, null, 2), { mode: 0o600 });
}
