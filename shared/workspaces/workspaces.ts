import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { randomId } from './ids';
import type { UsagePlanKeys } from '#shared/ports/usage-plan-keys';
import { localUsagePlanKeys } from '#shared/adapters/local-usage-plan-keys';

export interface Workspace {
  workspaceId: string;
  name: string;
  createdAt: string;
}

/**
 * SPEC W1: a workspace owns lists, automated emails, integrations and API keys. Its API Gateway
 * key (W4 throttling) is provisioned first, so a workspace never exists without one.
 */
export async function createWorkspace(
  deps: Pick<Deps, 'db' | 'tableName' | 'clock'>,
  name: string,
  usagePlanKeys: UsagePlanKeys = localUsagePlanKeys,
): Promise<Workspace> {
  const workspace: Workspace = { workspaceId: randomId(12), name, createdAt: deps.clock.now().toISOString() };
  const gatewayKey = await usagePlanKeys.provisionWorkspaceKey(workspace.workspaceId);
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.workspace(workspace.workspaceId),
        type: 'workspace',
        ...workspace,
        keyCount: 0,
        apiGatewayKeyId: gatewayKey.keyId,
        apiGatewayKeyValue: gatewayKey.value,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  return workspace;
}
