/** Issue 3: the authorizer and the API Gateway key adapter; SPEC W2-W4. */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanKeyCommand } from '@aws-sdk/client-api-gateway';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createAuthorizer, apiWildcard, handler as deployedAuthorizer } from '../functions/authorizer/handler';
import { createApiGatewayUsagePlanKeys } from '#shared/adapters/apigateway-usage-plan-keys';
import { localUsagePlanKeys } from '#shared/adapters/local-usage-plan-keys';
import { keys } from '#shared/table/keys';
import { createWorkspace } from '#shared/workspaces/workspaces';
import { createApiKey, setApiKeyStatus } from '#shared/workspaces/api-keys';
import { bodyCap } from '#shared/http/middlewares/body-cap';
import { ApiError } from '#shared/http/errors';
import { logger } from '#shared/logger';
import { startTestApp, type TestApp } from './support/app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

// The deployed handler is this factory over the Lambda's own table client; here, the test table's.
const authorizer = (e: APIGatewayRequestAuthorizerEvent) => createAuthorizer(() => app.runtime.deps)(e);

const methodArn = 'arn:aws:execute-api:ap-northeast-2:123456789012:abc123/prod/POST/v1/lists/1/subscribers';
const event = (token?: string) =>
  ({ type: 'REQUEST', methodArn, headers: token === undefined ? {} : { AccessToken: token } }) as unknown as APIGatewayRequestAuthorizerEvent;

describe('authorizer', () => {
  it('W2/W4: allows an active key for the whole stage, with the workspace in context and its usage-plan key', async () => {
    const planKeys = { provisionWorkspaceKey: async () => ({ keyId: 'k1', value: 'usage-key-value' }) };
    const ws = await createWorkspace(app.runtime.deps, 'auth', planKeys);
    const key = await createApiKey(app.runtime.deps, ws.workspaceId);
    const result = await authorizer(event(key.secret));
    expect(result.principalId).toBe(ws.workspaceId);
    expect(result.usageIdentifierKey).toBe('usage-key-value');
    expect(result.context).toEqual({ workspaceId: ws.workspaceId, keyId: key.keyId });
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:ap-northeast-2:123456789012:abc123/prod/*' },
    ]);
  });

  it('W2/W3: refuses a missing, unknown or deactivated key (API Gateway answers 401)', async () => {
    const ws = await createWorkspace(app.runtime.deps, 'auth2');
    const key = await createApiKey(app.runtime.deps, ws.workspaceId);
    await setApiKeyStatus(app.runtime.deps, ws.workspaceId, key.keyId, 'inactive');
    for (const token of [undefined, 'unknown', key.secret]) await expect(authorizer(event(token))).rejects.toThrow('Unauthorized');
  });

  it('W2: the deployed handler builds its table client from TABLE_NAME alone, with no link-signing secret', async () => {
    const ws = await createWorkspace(app.runtime.deps, 'env', { provisionWorkspaceKey: async () => ({ keyId: 'k2', value: 'env-usage-key' }) });
    const key = await createApiKey(app.runtime.deps, ws.workspaceId);
    const saved = { ...process.env };
    // What the stack sets (TABLE_NAME), plus where DynamoDB Local is; LINK_SIGNING_SECRET* deliberately absent.
    Object.assign(process.env, { TABLE_NAME: app.runtime.deps.tableName, DYNAMODB_ENDPOINT: inject('dynamoEndpoint'), AWS_REGION: 'local' });
    delete process.env.LINK_SIGNING_SECRET;
    delete process.env.LINK_SIGNING_SECRET_ARN;
    try {
      const result = await deployedAuthorizer(event(key.secret));
      expect(result.context).toEqual({ workspaceId: ws.workspaceId, keyId: key.keyId });
      expect(result.usageIdentifierKey).toBe('env-usage-key');
      await expect(deployedAuthorizer(event('nope'))).rejects.toThrow('Unauthorized');
    } finally {
      process.env = saved;
    }
  });

  it('W2/R3: never logs the AccessToken, also when it refuses it or the workspace lacks a usage-plan key', async () => {
    const written: string[] = [];
    const spies = [process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true)),
    );
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' ')));
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' ')));
    // This test reads what is logged: everything, whatever the suite's level (vitest.config.ts).
    const level = logger.getLevelName();
    logger.setLogLevel('DEBUG');
    try {
      // A workspace whose item has no apiGatewayKeyValue: allowed, but API Gateway will refuse it, so it is logged.
      const ws = await createWorkspace(app.runtime.deps, 'no-gw-key', { provisionWorkspaceKey: async () => ({ keyId: '', value: '' }) });
      const key = await createApiKey(app.runtime.deps, ws.workspaceId);
      const result = await authorizer(event(key.secret));
      expect(result.usageIdentifierKey).toBeUndefined();
      await expect(authorizer(event(`${key.secret}x`))).rejects.toThrow('Unauthorized');
      expect(written.join('\n')).toContain('workspace has no API Gateway key');
      expect(written.join('\n')).not.toContain(key.secret);
    } finally {
      for (const spy of [...spies, log, warn]) spy.mockRestore();
      logger.setLogLevel(level);
    }
  });

  it('W4: createWorkspace stores the API Gateway key id and value on the workspace item (local adapter by default)', async () => {
    const read = async (workspaceId: string) =>
      (await app.runtime.deps.db.send(new GetCommand({ TableName: app.runtime.deps.tableName, Key: keys.workspace(workspaceId) }))).Item!;
    const aws = await createWorkspace(app.runtime.deps, 'gw', { provisionWorkspaceKey: async (id) => ({ keyId: `id-${id}`, value: 'v'.repeat(40) }) });
    expect(await read(aws.workspaceId)).toMatchObject({ apiGatewayKeyId: `id-${aws.workspaceId}`, apiGatewayKeyValue: 'v'.repeat(40) });
    const local = await createWorkspace(app.runtime.deps, 'local');
    const item = await read(local.workspaceId);
    expect(item.apiGatewayKeyId).toBe('local');
    expect(String(item.apiGatewayKeyValue)).toMatch(/^[0-9a-f]{32}$/);
    expect((await localUsagePlanKeys.provisionWorkspaceKey('x')).value).not.toBe((await localUsagePlanKeys.provisionWorkspaceKey('x')).value);
  });

  it('apiWildcard keeps the API and stage of the method ARN', () => {
    expect(apiWildcard(methodArn)).toBe('arn:aws:execute-api:ap-northeast-2:123456789012:abc123/prod/*');
  });
});

describe('API Gateway usage-plan keys (aws-sdk-client-mock)', () => {
  it('W4: creates an enabled key named for the workspace and attaches it to the usage plan', async () => {
    const mock = mockClient(APIGatewayClient);
    mock.on(CreateApiKeyCommand).resolves({ id: 'key-123' });
    mock.on(CreateUsagePlanKeyCommand).resolves({});
    const adapter = createApiGatewayUsagePlanKeys('plan-9', new APIGatewayClient({ region: 'ap-northeast-2' }));
    const result = await adapter.provisionWorkspaceKey('ws1');
    expect(result.keyId).toBe('key-123');
    const create = mock.commandCalls(CreateApiKeyCommand)[0]!.args[0].input;
    expect(create).toMatchObject({ name: 'workspace-ws1', enabled: true, value: result.value });
    expect(mock.commandCalls(CreateUsagePlanKeyCommand)[0]!.args[0].input).toEqual({ usagePlanId: 'plan-9', keyId: 'key-123', keyType: 'API_KEY' });
    mock.restore();
  });

  it('a key without an id from API Gateway is an error, not a workspace without throttling', async () => {
    const mock = mockClient(APIGatewayClient);
    mock.on(CreateApiKeyCommand).resolves({});
    const adapter = createApiGatewayUsagePlanKeys('plan-9', new APIGatewayClient({ region: 'ap-northeast-2' }));
    await expect(adapter.provisionWorkspaceKey('ws2')).rejects.toThrow();
    expect(mock.commandCalls(CreateUsagePlanKeyCommand)).toHaveLength(0);
    mock.restore();
  });
});

describe('body-cap middleware', () => {
  const run = (body: string | null, isBase64Encoded = false) =>
    bodyCap().before!({ event: { body, isBase64Encoded } } as never);

  it('W4: lets 256 KB through and refuses one byte more with PAYLOAD_TOO_LARGE, counting bytes not characters', () => {
    expect(() => run('a'.repeat(256 * 1024))).not.toThrow();
    expect(() => run(null)).not.toThrow();
    try {
      run('a'.repeat(256 * 1024 + 1));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(413);
    }
    // 한 is three bytes in UTF-8: 87,382 of them are over the cap although fewer characters.
    expect(() => run('한'.repeat(87_382))).toThrow(ApiError);
    expect(() => run(Buffer.alloc(256 * 1024 + 1).toString('base64'), true)).toThrow(ApiError);
  });
});
