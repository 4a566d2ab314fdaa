// `npm test` and `npm start` install first when node_modules is missing or older than the
// lockfile, so both work on a fresh clone. Plain JS: it runs before any dependency exists.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  // Not `npm ci`: see .ci/run for why the lockfile cannot satisfy it on these machines.
  process.stderr.write('Installing the versions in package-lock.json...\n');
  execSync('npm install --no-save --no-audit --no-fund', { stdio: 'inherit' });
}
