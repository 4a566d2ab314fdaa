/**
 * The bundle test's stand-in for the Lambda Node.js runtime (issue 11). One process is one
 * execution environment: it imports the function's bundle from LAMBDA_TASK_ROOT as `_HANDLER`
 * names it (`index.handler` -> index.mjs, index.js or index.cjs, export `handler`), then serves
 * invocations one at a time over IPC, keeping module state between them like a warm container.
 * Answers are JSON-serialized as Lambda does; an import failure, a thrown error, an answer that
 * is not JSON and a crash are reported as the runtime would (errorType, errorMessage).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';

const send = (message) => new Promise((resolve) => process.send(message, undefined, {}, () => resolve()));
const errorOf = (error, fallbackType) => ({
  errorType: (error && typeof error === 'object' && (error.name || error.constructor?.name)) || fallbackType,
  errorMessage: error && typeof error === 'object' && 'message' in error ? String(error.message) : String(error),
  stackTrace: error && typeof error === 'object' && typeof error.stack === 'string' ? error.stack.split('\n') : [],
});

let current = null;
const crash = async (kind, error) => {
  await send({ type: 'crash', kind, requestId: current, error: errorOf(error, kind) });
  process.exit(129);
};
// The harness went away (a killed test run): an environment never outlives it.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (error) => void crash('Runtime.UncaughtException', error));
process.on('unhandledRejection', (error) => void crash('Runtime.UnhandledPromiseRejection', error));

async function load() {
  const [moduleName, exportName] = (process.env._HANDLER ?? '').split(/\.(?=[^.]+$)/);
  const root = process.env.LAMBDA_TASK_ROOT;
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(root, `${moduleName}${ext}`)).find((f) => existsSync(f));
  if (!file) throw Object.assign(new Error(`Cannot find module '${moduleName}' in ${root}`), { name: 'Runtime.ImportModuleError' });
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    // What the runtime reports for a bundle that imports a package it does not carry.
    const e = errorOf(error, 'Error');
    throw Object.assign(new Error(`${e.errorType}: ${e.errorMessage}`), { name: 'Runtime.ImportModuleError', stack: error?.stack });
  }
  const handler = module[exportName] ?? module.default?.[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${moduleName}.${exportName} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return handler;
}

const started = performance.now();
let handler;
try {
  handler = await load();
} catch (error) {
  await send({ type: 'init-error', error: errorOf(error, 'Runtime.ImportModuleError') });
  process.exit(1);
}

const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
process.on('message', async (message) => {
  if (message?.type !== 'invoke') return;
  const { id, deadlineMs, invokedFunctionArn } = message;
  const event = JSON.parse(message.event);
  const awsRequestId = randomUUID();
  current = awsRequestId;
  process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=${randomUUID().replace(/-/g, '').slice(0, 16)};Sampled=0`;
  const context = {
    functionName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
  let reply;
  try {
    const result = await handler(event, context);
    let payload;
    try {
      payload = result === undefined ? 'null' : JSON.stringify(result);
    } catch (error) {
      throw Object.assign(new Error(`Unable to stringify response body: ${errorOf(error).errorMessage}`), { name: 'Runtime.MarshalError' });
    }
    if (payload === undefined) payload = 'null';
    if (Buffer.byteLength(payload) > 6 * 1024 * 1024) {
      throw Object.assign(new Error('Response payload size exceeded maximum allowed payload size (6291556 bytes).'), { name: 'Function.ResponseSizeTooLarge' });
    }
    reply = { type: 'result', id, requestId: awsRequestId, payload };
  } catch (error) {
    reply = { type: 'error', id, requestId: awsRequestId, error: errorOf(error, 'Error') };
  }
  current = null;
  await send(reply);
});
await send({ type: 'ready', initMs: Math.round(performance.now() - started) });
