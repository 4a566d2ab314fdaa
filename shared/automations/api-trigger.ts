/**
 * SPEC A3a: `POST /api/v1.0/auto/{key}`. The answer is 200 whatever happens later: whether the
 * email is running, the address a subscribed member, the duplicate rules met, is decided by the
 * events worker like every other trigger. Extra body fields travel with the fact, fill `$%key%$`
 * tags of that one send, and are never stored on the subscriber.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import { emitEmailFacts } from './dispatch';

export async function requestAutomatedEmail(deps: Deps, workspaceId: string, key: string, email: string, vars: Record<string, unknown>) {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.automationApiKey(key), ConsistentRead: true }));
  if (!res.Item || res.Item.workspaceId !== workspaceId) throw new ApiError('AUTOMATION_NOT_FOUND');
  await emitEmailFacts(deps, [
    { kind: 'api', automationId: Number(res.Item.automationId), email, vars, listId: Number(res.Item.listId), workspaceId },
  ]);
}
