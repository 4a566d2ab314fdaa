/**
 * API Gateway REQUEST authorizer (SPEC W2, W3, W4): allows a request whose AccessToken is an
 * active key, passes the workspace to the handlers, and names the workspace's API Gateway key
 * so the usage plan throttles each workspace at 10 requests/s. The token is never logged.
 */
import type { APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult } from 'aws-lambda';
import { authenticate, usageIdentifierKey } from '#shared/workspaces/api-keys';
import { getDeps } from '#shared/runtime/deps';
import { logger } from '#shared/logger';

const header = (event: APIGatewayRequestAuthorizerEvent, name: string) => {
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name) return v ?? undefined;
  return undefined;
};

/** Every method of this API stage (`arn:…:apiId/stage/*`): the cached decision then holds for all routes. */
export const apiWildcard = (methodArn: string): string => {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage ?? '*'}/*`;
};

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const deps = await getDeps();
  const principal = await authenticate(deps, header(event, 'accesstoken'));
  if (!principal) {
    // API Gateway answers 401 (our UNAUTHORIZED envelope, see infra gateway responses).
    throw new Error('Unauthorized');
  }
  const usageKey = await usageIdentifierKey(deps, principal.workspaceId);
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
