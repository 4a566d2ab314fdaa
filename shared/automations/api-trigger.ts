/**
 * SPEC A3a: `POST /api/v1.0/auto/{key}`. The answer is 200 whatever happens later: whether the
 * email is running, the address a subscribed member, the duplicate rules met, is decided by the
 * events worker like every other trigger. Extra body fields travel with the fact, fill `$%key%$`
 * tags of that one send, and are never stored on the subscriber. They travel in the outbox
 * event and in the pending send, so they are bounded (issue 12): larger ones are refused here,
 * before anything is written, and never reach the shared events worker.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import { jsonBytes } from '#shared/db/item-size';
import { emitEmailFacts } from './dispatch';

/** The extra values of one A3a request, as JSON. A pending send carries them beside its bounded search text. */
export const API_VARS_MAX_BYTES = 64 * 1024;

export async function requestAutomatedEmail(deps: Deps, workspaceId: string, key: string, email: string, vars: Record<string, unknown>) {
  const size = jsonBytes(vars);
  if (size > API_VARS_MAX_BYTES) throw new ApiError('AUTOMATION_VALUES_TOO_LARGE', `${Math.ceil(size / 1024)} KB`);
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.automationApiKey(key), ConsistentRead: true }));
  if (!res.Item || res.Item.workspaceId !== workspaceId) throw new ApiError('AUTOMATION_NOT_FOUND');
  await emitEmailFacts(deps, [
    { kind: 'api', automationId: Number(res.Item.automationId), email, vars, listId: Number(res.Item.listId), workspaceId },
  ]);
}
