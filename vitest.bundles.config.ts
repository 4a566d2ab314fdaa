import { defineConfig } from 'vitest/config';

/**
 * Issue 11's bundle test (`npm run test:bundles`, also the last step of `npm test`): the esbuild
 * bundles of `cdk synth`, each in its own Node process, driven through a played API Gateway,
 * stream, rules and state machine (test/bundle/). One synth and one DynamoDB Local for the run.
 */
// Node 20 is supported until the SDK stops supporting it; the notice is noise in test output (the bundles' own environments do not get this).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export default defineConfig({
  test: {
    include: ['test/bundle/**/*.spec.ts'],
    globalSetup: ['test/bundle/global-setup.ts'],
    pool: 'forks',
    // The files share the synthesized template's table in one DynamoDB Local: one after the other.
    fileParallelism: false,
    testTimeout: 120_000,
    // Issue 17: file list and summary; a bundle test is named on its own only past a minute.
    slowTestThreshold: 60_000,
    hookTimeout: 180_000,
  },
});
