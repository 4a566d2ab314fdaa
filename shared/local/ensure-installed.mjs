// `npm test` and `npm start` install first when node_modules is missing or older than the
// lockfile, so both work on a fresh clone. Plain JS: it runs before any dependency exists.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  process.stderr.write('Installing dependencies from package-lock.json (npm ci)...\n');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
