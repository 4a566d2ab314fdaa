/**
 * Issue 11: what the handlers do with the environment a Lambda has, not the local runtime's.
 * Nothing here injects deps: every handler builds them from process.env through the AWS
 * composition root (shared/runtime/aws-deps.ts), as a cold start does. The bundles themselves,
 * as synthesized, are exercised by test/bundle/.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { resetDeps } from '#shared/runtime/current-deps';
import { parseClientSecrets, UNFILLED_SECRET_RETRY_MS } from '#shared/runtime/aws-deps';
import { ensureTable } from '#shared/local/bootstrap-table';
import { CLIENT_SECRETS_TEMPLATE, defaultIntegrationsConfig } from '../infra/stack';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
const context = { functionName: 'test', awsRequestId: 'r1', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;
const load = async (route: string) => ((await import(`../functions/${route}/handler.ts`)) as { handler: Handler }).handler;

/** An API Gateway proxy event as the REST API (every media type binary) sends it. */
const event = (overrides: Partial<APIGatewayProxyEvent> & { workspaceId?: string } = {}): APIGatewayProxyEvent => {
  const { workspaceId, ...rest } = overrides;
  return {
    resource: '/',
    path: '/',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'r1', authorizer: workspaceId ? { workspaceId } : null } as unknown as APIGatewayProxyEvent['requestContext'],
    ...rest,
  };
};

const secretsManager = mockClient(SecretsManagerClient);
const LINK_ARN = 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:LinkSigningSecret-abc';
const INTEGRATIONS_ARN = 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:IntegrationClientSecrets-def';
const savedEnv = { ...process.env };
const tableName = `aws-fidelity-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  const raw = new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ensureTable(raw, tableName);
  raw.destroy();
});

beforeEach(() => {
  process.env = { ...savedEnv };
  for (const name of ['LINK_SIGNING_SECRET', 'LINK_SIGNING_SECRET_ARN', 'TABLE_NAME', 'INTEGRATIONS_CONFIG', 'INTEGRATIONS_SECRET_ARN', 'DYNAMODB_ENDPOINT'])
    delete process.env[name];
  secretsManager.reset();
  resetDeps();
  vi.useRealTimers();
});

afterAll(() => {
  process.env = savedEnv;
  secretsManager.restore();
});

describe('issue 11: handlers under a Lambda environment', () => {
  it('defect 1: /docs and /docs/openapi.json answer without a table or a signing secret (route access none)', async () => {
    const page = await (await load('docs-page'))(event({ path: '/docs' }), context);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html');
    const doc = await (await load('docs-openapi'))(event({ path: '/docs/openapi.json' }), context);
    expect(doc.statusCode).toBe(200);
    expect(JSON.parse(doc.body)).toHaveProperty('openapi');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('defect 2: a cold start whose secret read fails answers 500 once, and the next invocation reads the secret again and answers', async () => {
    process.env.LINK_SIGNING_SECRET_ARN = LINK_ARN;
    secretsManager.on(GetSecretValueCommand, { SecretId: LINK_ARN }).rejectsOnce(new Error('ThrottlingException')).resolves({ SecretString: 'k'.repeat(64) });
    const pixel = await load('tracking-open');
    const first = await pixel(event({ pathParameters: { token: 'bogus.gif' } }), context);
    expect(first.statusCode).toBe(500);
    const second = await pixel(event({ pathParameters: { token: 'bogus.gif' } }), context);
    expect(second.statusCode).toBe(200);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    // Built once it worked: a third request reads nothing more.
    await pixel(event({ pathParameters: { token: 'bogus.gif' } }), context);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('defect 3: the integrations secret as CloudFormation creates it is the JSON the functions read, with nothing filled in', () => {
    const created = { ...CLIENT_SECRETS_TEMPLATE, generated: 'Xr8hPq2LmZ' };
    expect(parseClientSecrets(JSON.stringify(created))).toEqual({});
    // What an older stack generated (a bare random password) is "not filled in", not a crash.
    expect(parseClientSecrets('hP3k9QzX1mLw')).toEqual({});
    expect(parseClientSecrets('{"sixshop":"s1","donus":"","__proto__":"x"}')).toEqual({ sixshop: 's1' });
  });

  it('defect 3: connect answers INTEGRATION_NOT_CONFIGURED until the operator fills the secret in, then works in the same warm container', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    Object.assign(process.env, {
      LINK_SIGNING_SECRET_ARN: LINK_ARN,
      INTEGRATIONS_SECRET_ARN: INTEGRATIONS_ARN,
      INTEGRATIONS_CONFIG: defaultIntegrationsConfig,
      // The execute-api URL: the stage is the first segment of every path.
      PUBLIC_BASE_URL: 'https://abc123.execute-api.ap-northeast-2.amazonaws.com/prod',
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
      // DynamoDB Local keeps a table per access key and region: the ones ensureTable used.
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    secretsManager.on(GetSecretValueCommand, { SecretId: LINK_ARN }).resolves({ SecretString: 'k'.repeat(64) });
    secretsManager.on(GetSecretValueCommand, { SecretId: INTEGRATIONS_ARN }).resolves({ SecretString: JSON.stringify({ ...CLIENT_SECRETS_TEMPLATE, generated: 'abc' }) });
    const connect = await load('integrations-connect');
    const request = () => connect(event({ httpMethod: 'POST', pathParameters: { provider: 'sixshop' }, workspaceId: 'ws-fidelity' }), context);
    const refused = await request();
    expect(refused.statusCode).toBe(503);
    expect(JSON.parse(refused.body).Error.Code).toBe('INTEGRATION_NOT_CONFIGURED');

    secretsManager.on(GetSecretValueCommand, { SecretId: INTEGRATIONS_ARN }).resolves({ SecretString: JSON.stringify({ sixshop: 'client-secret', donus: 'other' }) });
    vi.setSystemTime(Date.now() + UNFILLED_SECRET_RETRY_MS + 1000);
    const connected = await request();
    expect(connected.statusCode).toBe(200);
    const answer = JSON.parse(connected.body).Value as { authorizeUrl: string; state: string };
    // Issue 14: the browser goes to our start endpoint first, under the stage's path.
    expect(answer.authorizeUrl).toBe(`https://abc123.execute-api.ap-northeast-2.amazonaws.com/prod/v2/integrations/sixshop/start?state=${answer.state}`);
    const start = await (await load('integrations-start'))(
      event({ pathParameters: { provider: 'sixshop' }, queryStringParameters: { state: answer.state } }),
      context,
    );
    expect(start.statusCode).toBe(302);
    expect(String(start.headers?.Location)).toMatch(/^https:\/\/sixshop\.example\/oauth\/authorize\?.*code_challenge_method=S256/);
    // Scoped to the stage's integration paths, and Secure: the public URL is https.
    expect(String(start.headers?.['Set-Cookie'])).toMatch(/^nl_oauth_sixshop=[\w-]{43}; Path=\/prod\/v2\/integrations\/sixshop; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/);
  });

  it('defect 4: the pixel answers GIF bytes base64-encoded, and bodies API Gateway base64-encodes are read as the text sent', async () => {
    process.env.LINK_SIGNING_SECRET = 'k'.repeat(64);
    const pixel = await (await load('tracking-open'))(event({ pathParameters: { token: 'x.gif' }, headers: { Accept: 'image/webp,*/*' } }), context);
    expect(pixel.isBase64Encoded).toBe(true);
    expect(pixel.headers?.['Content-Type']).toBe('image/gif');
    expect(Buffer.from(pixel.body, 'base64').subarray(0, 6).toString('latin1')).toBe('GIF89a');

    // SNS posts text/plain JSON; with binaryMediaTypes */* it arrives base64-encoded. A bad
    // signature must be what refuses it (400), not a body read as base64 text (which is not JSON).
    const notification = { Type: 'Notification', MessageId: 'm1', TopicArn: 'arn:aws:sns:ap-northeast-2:123456789012:t', Message: '{}', Timestamp: new Date().toISOString(), SignatureVersion: '2', Signature: 'AAAA', SigningCertURL: 'https://evil.example/x.pem' };
    const ses = await (await load('ses-notifications'))(
      event({ httpMethod: 'POST', headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: Buffer.from(JSON.stringify(notification)).toString('base64'), isBase64Encoded: true }),
      context,
    );
    // Read as JSON, then refused for its certificate host: the body was decoded first.
    expect([ses.statusCode, ses.body]).toEqual([403, 'signature refused']);
  });
});
