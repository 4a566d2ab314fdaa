/** `npm run admin -- …` against a test app's table, as an operator runs it beside `npm start` (issue 17). */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { inject } from 'vitest';
import { ENDPOINT_FILE } from '#shared/local/admin-endpoint';
import type { TestApp } from './app';

const root = resolve(import.meta.dirname, '..', '..');

export function admin(app: TestApp, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const dataDir = dirname(app.runtime.outboxDir);
  // What `npm start` leaves for the CLI: where its DynamoDB Local listens.
  writeFileSync(join(dataDir, ENDPOINT_FILE), JSON.stringify({ endpoint: inject('dynamoEndpoint') }));
  return new Promise((done) => {
    execFile(
      'npx',
      ['tsx', 'shared/local/admin.ts', ...args, '--data-dir', dataDir],
      { cwd: root, timeout: 110_000, env: { ...process.env, TABLE_NAME: app.runtime.deps.tableName, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
      (error, stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
