/**
 * API Gateway REQUEST authorizer (SPEC W2, W3, W4): allows a request whose AccessToken is an
 * active key, passes the workspace to the handlers, and names the workspace's API Gateway key
 * so the usage plan throttles each workspace at 10 requests/s. The token is never logged.
 */
import type { APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult } from 'aws-lambda';
import { authenticate, usageIdentifierKey } from '#shared/workspaces/api-keys';
import { createDocumentClient } from '#shared/db/client';
import { defaultTableName } from '#shared/table/definition';
import type { Deps } from '#shared/runtime/deps';
import { logger } from '#shared/logger';

type AuthorizerDeps = Pick<Deps, 'db' | 'tableName'>;

const header = (event: APIGatewayRequestAuthorizerEvent, name: string) => {
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name) return v ?? undefined;
  return undefined;
};

/** Every method of this API stage (`arn:…:apiId/stage/*`): the cached decision then holds for all routes. */
export const apiWildcard = (methodArn: string): string => {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage ?? '*'}/*`;
};

/** The authorizer over the given table access; tests pass the local runtime's. */
export const createAuthorizer =
  (deps: () => AuthorizerDeps) =>
  async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const principal = await authenticate(deps(), header(event, 'accesstoken'));
    // Throwing exactly 'Unauthorized' makes API Gateway answer 401 (the UNAUTHORIZED envelope, see infra).
    if (!principal) throw new Error('Unauthorized');
    const usageKey = await usageIdentifierKey(deps(), principal.workspaceId);
    // Without it API Gateway refuses the request (the usage plan needs a key): an operator problem, not the caller's.
    if (!usageKey) logger.warn('workspace has no API Gateway key', { workspaceId: principal.workspaceId });
    return {
      principalId: principal.workspaceId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: apiWildcard(event.methodArn) }],
      },
      context: { workspaceId: principal.workspaceId, keyId: principal.keyId },
      ...(usageKey ? { usageIdentifierKey: usageKey } : {}),
    };
  };

// Only the table: unlike getDeps() it needs no link-signing secret, so the cold start reads none
// and the authorizer's role is not granted one.
let tableDeps: AuthorizerDeps | undefined;
export const handler = createAuthorizer(
  () => (tableDeps ??= { db: createDocumentClient({ endpoint: process.env.DYNAMODB_ENDPOINT }), tableName: process.env.TABLE_NAME ?? defaultTableName }),
);
