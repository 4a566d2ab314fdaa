/**
 * Once per `npm run test:bundles` (issue 11): synthesizes the app with bundling into a temporary
 * cloud assembly (a child `cdk synth`, as an operator's `cdk deploy` would build it) and starts
 * DynamoDB Local with -sharedDb, so bundles signing with their own credentials and region see
 * the tables the harness creates. BUNDLE_TEST_ASSEMBLY=<dir> reuses an earlier `cdk synth -o <dir>`
 * (for working on the test itself; CI always synthesizes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local';

declare module 'vitest' {
  export interface ProvidedContext {
    bundleAssemblyDir: string;
    bundleDynamoLocal: string;
  }
}

const repoRoot = resolve(import.meta.dirname, '..', '..');

async function synthesize(outDir: string): Promise<void> {
  const started = Date.now();
  const cdk = join(repoRoot, 'node_modules', '.bin', 'cdk');
  const child = spawn(cdk, ['synth', '--quiet', '--no-notices', '-o', outDir], {
    cwd: repoRoot,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`cdk synth failed (exit ${code}):\n${output.slice(-4000)}`);
  process.stdout.write(`bundle test: cdk synth with bundling took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

export default async function setup(project: TestProject) {
  const reuse = process.env.BUNDLE_TEST_ASSEMBLY;
  let dir: string;
  if (reuse) {
    dir = resolve(reuse);
    if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`BUNDLE_TEST_ASSEMBLY=${reuse} holds no cloud assembly`);
  } else {
    // Under the system temp dir, outside the repository: no node_modules above the bundles.
    dir = mkdtempSync(join(tmpdir(), 'bundle-test-assembly-'));
    await synthesize(dir);
  }
  const dynamo = await startDynamoDbLocal({ sharedDb: true });
  project.provide('bundleAssemblyDir', dir);
  project.provide('bundleDynamoLocal', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
    if (!reuse) rmSync(dir, { recursive: true, force: true });
  };
}
