/**
 * SPEC A3a: `POST /api/v1.0/auto/{key}`. The request is refused at once when the address is not
 * a subscribed member of the email's list (issue 13: callers rely on the original's 400 with
 * `구독자 상태를 파악할 수 없습니다.`); that check reads the list and the subscriber strongly
 * consistently, so a subscriber added by a request already answered is found. Everything
 * after (running state, duplicate rules, windows) is decided by the events worker like every
 * other trigger. Extra body fields travel with the fact, fill `$%key%$` tags of that one send,
 * and are never stored on the subscriber. They travel in the outbox event and in the pending
 * send, so they are bounded (issue 12): larger ones are refused here, before anything is read
 * or written, and never reach the shared events worker.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import { jsonBytes } from '#shared/db/item-size';
import { emitEmailFacts } from './dispatch';

/** The extra values of one A3a request, as JSON. A pending send carries them beside its bounded search text. */
export const API_VARS_MAX_BYTES = 64 * 1024;

export async function requestAutomatedEmail(
  deps: Deps,
  workspaceId: string,
  key: string,
  email: string,
  vars: Record<string, unknown>,
): Promise<void> {
  const size = jsonBytes(vars);
  if (size > API_VARS_MAX_BYTES) throw new ApiError('AUTOMATION_VALUES_TOO_LARGE', `${Math.ceil(size / 1024)} KB`);
  const get = async (Key: Record<string, string>) =>
    (await deps.db.send(new GetCommand({ TableName: deps.tableName, Key, ConsistentRead: true }))).Item;
  const target = await get(keys.automationApiKey(key));
  if (!target || target.workspaceId !== workspaceId) throw new ApiError('AUTOMATION_NOT_FOUND');
  const listId = Number(target.listId);
  const list = await get(keys.list(listId));
  if (!list || list.workspaceId !== workspaceId) throw new ApiError('AUTOMATION_NOT_FOUND');
  const subscriber = await get(keys.subscriber(listId, Number(list.gen), email));
  if (subscriber?.status !== 'subscribed') throw new ApiError('AUTOMATION_SUBSCRIBER_UNKNOWN');
  await emitEmailFacts(deps, [{ kind: 'api', automationId: Number(target.automationId), email, vars, listId, workspaceId }]);
}
