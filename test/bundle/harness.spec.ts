/**
 * Issue 11: the bundle test's own machinery fails where it must. A bundle that imports a package
 * it does not carry, one that crashes, hangs or answers something that is not JSON, and one that
 * reaches for a non-loopback address are each reported as Lambda would; a call outside the
 * caller's IAM policy in the template is denied; the template's stream filter and API Gateway's
 * binary media type rules behave as documented.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaService, accessKeyIdOf } from './lambda';
import { readAssembly, type Assembly, type FunctionSpec } from './assembly';
import { AwsStub } from './aws-stub';
import { passesFilters } from './filter-pattern';
import { firstAccept, matchesMediaType } from './gateway';

/** A one-file "bundle" outside the repository. */
function bundle(name: string, source: string, timeoutSeconds = 10): FunctionSpec {
  const dir = mkdtempSync(join(tmpdir(), `bundle-fixture-${name}-`));
  writeFileSync(join(dir, 'index.mjs'), source);
  return {
    path: `fixture/${name}`,
    stack: 'fixture',
    logicalId: name,
    name: `fixture-${name}`,
    arn: `arn:aws:lambda:ap-northeast-2:123456789012:function:fixture-${name}`,
    assetDir: dir,
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    timeoutSeconds,
    memoryMb: 128,
    environment: { FROM_TEMPLATE: 'yes' },
    roleArn: 'arn:aws:iam::123456789012:role/fixture',
  };
}

describe('issue 11: the bundle harness reports what Lambda would', () => {
  const fixtures = {
    ok: bundle('ok', `let n = 0; export const handler = async (e) => ({ n: ++n, e, env: process.env.FROM_TEMPLATE, region: process.env.AWS_REGION, key: process.env.AWS_ACCESS_KEY_ID });`),
    missing: bundle('missing', `import leftPad from 'left-pad'; export const handler = async () => leftPad('x', 3);`),
    sdk: bundle('sdk', `import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; export const handler = async () => typeof DynamoDBClient;`),
    crash: bundle('crash', `export const handler = () => new Promise(() => setTimeout(() => { throw new Error('boom'); }, 10));`),
    hang: bundle('hang', `export const handler = () => new Promise(() => {});`, 1),
    bigint: bundle('bigint', `export const handler = async () => ({ n: 1n });`),
    thrown: bundle('thrown', `class ProviderUnavailable extends Error { name = 'ProviderUnavailable'; } export const handler = async () => { throw new ProviderUnavailable('down'); };`),
    network: bundle(
      'network',
      `import { lookup } from 'node:dns/promises';
       export const handler = async () => {
         const out = {};
         try { await fetch('http://93.184.216.34/'); out.ip = 'reached'; } catch (e) { out.ip = e.cause?.code ?? e.code ?? String(e); }
         try { await lookup('example.com'); out.dns = 'resolved'; } catch (e) { out.dns = e.code; }
         try { await fetch('https://sns.ap-northeast-2.amazonaws.com/cert.pem'); out.https = 'reached'; } catch (e) { out.https = e.cause?.code ?? e.code ?? String(e); }
         return out;
       };`,
    ),
  };
  const lambda = new LambdaService({ functions: Object.values(fixtures), awsEndpoint: 'http://127.0.0.1:9', dynamoEndpoint: 'http://127.0.0.1:9' });
  afterAll(() => lambda.close());

  it('a warm environment keeps module state; the event and the template environment arrive; the access key names the function', async () => {
    const first = await lambda.invoke(fixtures.ok, { a: 1 }, 'test');
    const second = await lambda.invoke(fixtures.ok, { a: 2 }, 'test');
    expect(first.payload).toEqual({ n: 1, e: { a: 1 }, env: 'yes', region: 'ap-northeast-2', key: accessKeyIdOf(fixtures.ok) });
    expect(second).toMatchObject({ payload: { n: 2 }, coldStart: false, pid: first.pid });
  });

  it('a package the bundle does not carry fails its init (Runtime.ImportModuleError), the AWS SDK included', async () => {
    expect((await lambda.invoke(fixtures.missing, {}, 'test')).error?.errorType).toBe('Runtime.ImportModuleError');
    const sdk = await lambda.invoke(fixtures.sdk, {}, 'test');
    expect(sdk.error?.errorType).toBe('Runtime.ImportModuleError');
    expect(sdk.error?.errorMessage).toContain('@aws-sdk/client-dynamodb');
  });

  it('a crash, a timeout and an answer that is not JSON are failures; a thrown error keeps its name', async () => {
    expect((await lambda.invoke(fixtures.crash, {}, 'test')).error?.errorType).toBe('Runtime.UncaughtException');
    const hang = await lambda.invoke(fixtures.hang, {}, 'test');
    expect(hang.error).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect((await lambda.invoke(fixtures.bigint, {}, 'test')).error?.errorType).toBe('Runtime.MarshalError');
    expect((await lambda.invoke(fixtures.thrown, {}, 'test')).error).toMatchObject({ errorType: 'ProviderUnavailable', errorMessage: 'down' });
  });

  it('addresses off loopback are refused and reported: an IP, a DNS name, HTTPS', async () => {
    const res = await lambda.invoke(fixtures.network, {}, 'test');
    expect(res.payload).toEqual({ ip: 'ECONNREFUSED', dns: 'ENOTFOUND', https: 'ECONNREFUSED' });
    expect(lambda.refusals.map((r) => `${r.kind} ${r.host}`).sort()).toEqual(['connect 93.184.216.34', 'dns example.com', 'connect sns.ap-northeast-2.amazonaws.com'].sort());
  });
});

describe('issue 11: the stub denies what the template\'s policy does not allow', () => {
  let assembly: Assembly;
  let stub: AwsStub;
  beforeAll(async () => {
    assembly = readAssembly(inject('bundleAssemblyDir'));
    stub = new AwsStub({ assembly, dynamoLocal: inject('bundleDynamoLocal'), runExecution: async () => undefined });
    await stub.start();
  });
  afterAll(() => stub.close());

  const signed = (fn: FunctionSpec, service: string) => ({
    Authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyIdOf(fn)}/20240101/ap-northeast-2/${service}/aws4_request, SignedHeaders=host, Signature=0`,
  });
  const byOperation = (id: string) => assembly.functionByArn(assembly.routes.find((r) => r.operationName === id)!.functionArn)!;

  it('a read-only route may not write the table; a route without the secret may not read it', async () => {
    const reader = byOperation('lists-list');
    const table = assembly.tables[0]!.name;
    const put = await fetch(stub.dynamoUrl, {
      method: 'POST',
      headers: { ...signed(reader, 'dynamodb'), 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.PutItem' },
      body: JSON.stringify({ TableName: table, Item: { PK: { S: 'x' }, SK: { S: 'y' } } }),
    });
    expect(put.status).toBe(400);
    expect(put.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    const secretArn = assembly.secrets.find((s) => s.generate?.PasswordLength === 64)?.arn ?? assembly.secrets[0]!.arn;
    const docs = byOperation('docs-page');
    const read = await fetch(stub.url, {
      method: 'POST',
      headers: { ...signed(docs, 'secretsmanager'), 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.GetSecretValue' },
      body: JSON.stringify({ SecretId: secretArn }),
    });
    expect(read.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(stub.denials.map((d) => `${d.caller} ${d.action}`)).toEqual([`${reader.path} dynamodb:PutItem`, `${docs.path} secretsmanager:GetSecretValue`]);
  });

  it('the stream filter of the template passes a sealing INSERT only', () => {
    const { patterns } = assembly.eventSourceMappings[0]!;
    const record = (eventName: string, type: string) => ({ eventName, dynamodb: { NewImage: { type: { S: type } } } });
    expect(passesFilters(patterns, record('INSERT', 'eventSeal'))).toBe(true);
    expect(passesFilters(patterns, record('MODIFY', 'eventSeal'))).toBe(false);
    expect(passesFilters(patterns, record('INSERT', 'subscriber'))).toBe(false);
    expect(passesFilters(patterns, { eventName: 'REMOVE', dynamodb: {} })).toBe(false);
  });
});

describe('API Gateway binary media types (Lambda proxy)', () => {
  it('matches type/subtype with wildcards and ignores parameters; only the first Accept type counts', () => {
    expect(matchesMediaType('image/gif', ['*/*'])).toBe(true);
    expect(matchesMediaType('text/plain; charset=UTF-8', ['*/*'])).toBe(true);
    expect(matchesMediaType('image/gif', ['image/*'])).toBe(true);
    expect(matchesMediaType('application/json', ['image/*'])).toBe(false);
    expect(matchesMediaType('image/gif', [])).toBe(false);
    expect(matchesMediaType(undefined, ['*/*'])).toBe(false);
    expect(firstAccept('text/html,image/gif;q=0.9')).toBe('text/html');
    expect(matchesMediaType(firstAccept('text/html,image/gif'), ['image/gif'])).toBe(false);
  });
});

describe('issue 11: the assembly reader follows nested stacks', () => {
  it('a function in a nested stack gets the parent\'s table through the stack parameters, in its environment and in its policy', async () => {
    const { App, Stack, NestedStack } = await import('aws-cdk-lib');
    const { AttributeType, Billing, TableV2 } = await import('aws-cdk-lib/aws-dynamodb');
    const { NodejsFunction, OutputFormat } = await import('aws-cdk-lib/aws-lambda-nodejs');
    const { Runtime } = await import('aws-cdk-lib/aws-lambda');
    const repoRoot = join(import.meta.dirname, '..', '..');
    const outdir = mkdtempSync(join(tmpdir(), 'nested-assembly-'));
    // Without the CLI: no asset metadata, so the reader finds assets through the asset manifest.
    const app = new App({ outdir });
    const root = new Stack(app, 'Root');
    const table = new TableV2(root, 'Table', { partitionKey: { name: 'PK', type: AttributeType.STRING }, billing: Billing.onDemand() });
    const area = new NestedStack(root, 'Area');
    const fn = new NodejsFunction(area, 'Fn', {
      entry: join(import.meta.dirname, 'fixtures', 'nested-handler.mjs'),
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      bundling: { format: OutputFormat.ESM, externalModules: [] },
      environment: { TABLE_NAME: table.tableName, TABLE_ARN: table.tableArn },
    });
    table.grantReadData(fn);
    app.synth();
    const assembly = readAssembly(outdir);
    expect(assembly.templateCount).toBe(2);
    expect(assembly.functions).toHaveLength(1);
    const [f] = assembly.functions;
    expect(f!.environment.TABLE_NAME).toBe(assembly.tables[0]!.name);
    expect(f!.environment.TABLE_ARN).toBe(assembly.tables[0]!.arn);
    const lambda = new LambdaService({ functions: assembly.functions, awsEndpoint: 'http://127.0.0.1:9', dynamoEndpoint: 'http://127.0.0.1:9' });
    try {
      expect((await lambda.invoke(f!, {}, 'test')).payload).toEqual({ ok: assembly.tables[0]!.name });
    } finally {
      await lambda.close();
    }
    const { isAllowed } = await import('./iam');
    expect(isAllowed(assembly.roleStatements.get(f!.roleArn)!, 'dynamodb:GetItem', assembly.tables[0]!.arn)).toBe(true);
    expect(isAllowed(assembly.roleStatements.get(f!.roleArn)!, 'dynamodb:PutItem', assembly.tables[0]!.arn)).toBe(false);
  }, 120_000);
});
