/** What the local runtime keeps between starts under .data/: the link-signing secret and the first workspace. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface LocalState {
  signingSecret: string;
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
