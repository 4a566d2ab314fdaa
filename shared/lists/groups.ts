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

/** Groups a list may have (the v2 API's TooManyGroups; docs/api.md). */
export const MAX_GROUPS_PER_LIST = 100;

/** Names are compared trimmed and case-sensitively, as they are shown. */
const sameName = (a: string, b: string) => a.trim() === b.trim();

/**
 * The v2 API's refusals (issue 13): a second group of the same name is AlreadyExistGroup, the
 * 101st TooManyGroups. Checked against the groups the request read: two creates of one name at
 * the same instant can both pass (docs/api.md).
 */
export async function createGroup(deps: Db, workspaceId: string, listId: number, name: string): Promise<GroupRecord> {
  const ctx = await loadListContext(deps, workspaceId, listId);
  if ([...ctx.groups.values()].some((g) => sameName(g.name, name))) throw new ApiError('GROUP_NAME_EXISTS', `name=${name}`);
  if (ctx.groups.size >= MAX_GROUPS_PER_LIST) throw new ApiError('GROUP_LIMIT_EXCEEDED', `max=${MAX_GROUPS_PER_LIST}`);
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
  if ([...ctx.groups.values()].some((g) => g.groupId !== groupId && sameName(g.name, name))) throw new ApiError('GROUP_NAME_EXISTS', `name=${name}`);
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

/** GET /v2/lists/{id}/groups: the yml's offset, limit, sortBy (id | name) and sortOrder (default desc). */
export async function pageGroups(
  deps: Db,
  workspaceId: string,
  listId: number,
  o: { offset: number; limit: number; sortBy: 'id' | 'name'; sortOrder: 'asc' | 'desc' },
): Promise<GroupRecord[]> {
  const groups = await listGroups(deps, workspaceId, listId);
  const sign = o.sortOrder === 'asc' ? 1 : -1;
  groups.sort((a, b) => sign * (o.sortBy === 'name' ? (a.name < b.name ? -1 : a.name > b.name ? 1 : a.groupId - b.groupId) : a.groupId - b.groupId));
  return groups.slice(o.offset, o.offset + o.limit);
}
