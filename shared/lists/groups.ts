/** SPEC L8 and the group management of the help centre: groups of a list, in creation order. */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import { queryAll } from '#shared/db/batch';
import type { Deps } from '#shared/runtime/deps';
import { loadListContext, toGroupRecord, type GroupRecord } from './model';
import { nextId } from './sequence';
import { applyMutations, eventContextFor } from '#shared/subscribers/store';

type Db = Pick<Deps, 'db' | 'tableName' | 'clock'>;

export async function listGroups(deps: Db, workspaceId: string, listId: number): Promise<GroupRecord[]> {
  const ctx = await loadListContext(deps, workspaceId, listId);
  return [...ctx.groups.values()].sort((a, b) => a.groupId - b.groupId);
}

export async function createGroup(deps: Db, workspaceId: string, listId: number, name: string): Promise<GroupRecord> {
  await loadListContext(deps, workspaceId, listId);
  const group: GroupRecord = { groupId: await nextId(deps, 'group'), listId, name, createdAt: deps.clock.now().toISOString() };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.group(listId, group.groupId), type: 'group', ...group },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  return group;
}

export async function renameGroup(deps: Db, workspaceId: string, listId: number, groupId: number, name: string) {
  const ctx = await loadListContext(deps, workspaceId, listId);
  if (!ctx.groups.has(groupId)) throw new ApiError('GROUP_NOT_FOUND');
  try {
    const res = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.group(listId, groupId),
        UpdateExpression: 'SET #n = :n',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':n': name },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toGroupRecord(res.Attributes!);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ApiError('GROUP_NOT_FOUND');
    throw error;
  }
}

/** Deletes the group and releases its members (subscribers stay in the list). */
export async function deleteGroup(deps: Db, workspaceId: string, listId: number, groupId: number): Promise<void> {
  const ctx = await loadListContext(deps, workspaceId, listId);
  if (!ctx.groups.has(groupId)) throw new ApiError('GROUP_NOT_FOUND');
  await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: keys.group(listId, groupId) }));
  const members: string[] = [];
  for (let shard = 0; shard < SUBSCRIBER_SHARDS; shard++) {
    const items = await queryAll(deps.db, {
      TableName: deps.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :g)',
      ExpressionAttributeValues: { ':pk': keys.subscriberPartition(listId, ctx.list.gen, shard), ':g': keys.membershipPrefix(groupId) },
      ProjectionExpression: 'email',
    });
    members.push(...items.map((i) => String(i.email)));
  }
  const now = deps.clock.now().toISOString();
  await applyMutations(deps, ctx.list, members, ({ current }) =>
    current && current.groupIds.includes(groupId)
      ? { kind: 'put', next: { ...current, groupIds: current.groupIds.filter((g) => g !== groupId), updatedAt: now, version: current.version + 1 }, result: true }
      : { kind: 'none', result: false },
    new Map(),
    eventContextFor(ctx, 'MANUAL', now),
  );
}
