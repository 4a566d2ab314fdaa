import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { randomId } from './ids';

export interface Workspace {
  workspaceId: string;
  name: string;
  createdAt: string;
}

/** SPEC W1: a workspace owns lists, automated emails, integrations and API keys. */
export async function createWorkspace(deps: Pick<Deps, 'db' | 'tableName' | 'clock'>, name: string): Promise<Workspace> {
  const workspace: Workspace = { workspaceId: randomId(12), name, createdAt: deps.clock.now().toISOString() };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.workspace(workspace.workspaceId), type: 'workspace', ...workspace, keyCount: 0 },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  return workspace;
}
