import { randomBytes } from 'node:crypto';
import { APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanKeyCommand } from '@aws-sdk/client-api-gateway';
import type { UsagePlanKeys } from '#shared/ports/usage-plan-keys';

/** AWS: an enabled API Gateway key per workspace, attached to the stack's usage plan. */
export function createApiGatewayUsagePlanKeys(usagePlanId: string, client = new APIGatewayClient({})): UsagePlanKeys {
  return {
    async provisionWorkspaceKey(workspaceId) {
      const value = randomBytes(30).toString('base64url');
      const key = await client.send(
        new CreateApiKeyCommand({ name: `workspace-${workspaceId}`, enabled: true, value, tags: { workspaceId } }),
      );
      if (!key.id) throw new Error('API Gateway returned no key id');
      await client.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId: key.id, keyType: 'API_KEY' }));
      return { keyId: key.id, value };
    },
  };
}
