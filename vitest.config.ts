import { defineConfig } from 'vitest/config';

// Node 20 is supported by this project until the SDK stops supporting it; the notice is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the whole run; each test file gets its own table.
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Issue 17: the output is the list of test files and the summary, a screen or two; a test is
    // named on its own only when it takes over a minute (the default, 300 ms, named 200 of them).
    slowTestThreshold: 60_000,
    // Issue 17, quiet tests: a run prints the test list and the summary. Tests that read logs spy on
    // the logger (spies see every call whatever the level) or read a child runtime's captured output
    // (test/support/child-runtime.ts sets its own level). TEST_LOG_LEVEL=WARN shows them when debugging.
    env: { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
