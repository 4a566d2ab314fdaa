/** SPEC L1, L8, L11: lists of a workspace, created, read, updated and deleted. */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import { batchWrite, queryIndex } from '#shared/db/batch';
import type { Deps } from '#shared/runtime/deps';
import { defaultFields, EMAIL_FIELD, type CustomField } from './fields';
import { removeAutomations } from '#shared/automations/automations';
import { deleteGeneration } from '#shared/imports/generations';
import { loadListContext, toListRecord, type ListKind, type ListRecord, type ListSettings } from './model';
import { isProvider } from '#shared/integrations/providers';
import { isConnected } from '#shared/integrations/connections';
import { providerFields } from '#shared/integrations/adapters/index';
import { nextId } from './sequence';
import { copySenders, listSenderKeys } from '#shared/senders/senders';
import { createGroup } from './groups';

type Db = Pick<Deps, 'db' | 'tableName' | 'clock'>;
type SenderDb = Parameters<typeof copySenders>[0];

export interface CreateListInput extends Partial<ListSettings> {
  name: string;
  fields?: CustomField[];
  /** SPEC I2: `sixshop` and `donus` need a connected workspace and get the provider's fields. */
  kind?: ListKind;
}

export const defaultSettings: ListSettings = {
  senderName: '',
  companyName: '',
  companyContact: '',
  companyAddress: '',
  useSubscriberAutoDelete: true,
  canSendToUnsubscribed: false,
};

export async function createList(deps: Db, workspaceId: string, input: CreateListInput): Promise<ListRecord> {
  const kind = input.kind ?? 'standard';
  if (isProvider(kind) && !(await isConnected(deps, workspaceId, kind))) throw new ApiError('INTEGRATION_NOT_CONNECTED', `provider=${kind}`);
  // A linked list's fields are the provider's: every import resets them (SPEC I4).
  const given = isProvider(kind) ? providerFields[kind] : input.fields;
  const fields = [EMAIL_FIELD, ...(given ?? defaultFields.slice(1)).filter((f) => f.tag !== 'email')];
  const tags = new Set<string>();
  for (const f of fields) {
    if (tags.has(f.tag)) throw new ApiError('FIELD_TAG_EXISTS', `tag=${f.tag}`);
    tags.add(f.tag);
  }
  const listId = await nextId(deps, 'list');
  const now = deps.clock.now().toISOString();
  const { fields: _ignored, kind: _kind, ...rest } = input;
  const list: ListRecord = {
    ...defaultSettings,
    ...rest,
    listId,
    workspaceId,
    kind,
    fields,
    gen: 1,
    createdAt: now,
    updatedAt: now,
  };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.list(listId), ...keys.listGsi(workspaceId, listId), type: 'list', ...list },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  return list;
}

/** Lists of a workspace in creation order (GSI1). */
export async function listLists(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string): Promise<ListRecord[]> {
  return (await queryIndex(deps.db, deps.tableName, keys.listsOfWorkspace(workspaceId))).map(toListRecord);
}

/** L11: only the given, non-empty fields change (as in the public v2 API). */
export async function updateList(
  deps: Db,
  workspaceId: string,
  listId: number,
  patch: Partial<ListSettings> & { name?: string },
): Promise<ListRecord> {
  const ctx = await loadListContext(deps, workspaceId, listId);
  const changes = Object.entries(patch).filter(([, v]) => v !== undefined && v !== '');
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':ws': workspaceId };
  const sets = changes.map(([k, v], i) => {
    names[`#f${i}`] = k;
    values[`:v${i}`] = v;
    return `#f${i} = :v${i}`;
  });
  sets.push('updatedAt = :now');
  values[':now'] = deps.clock.now().toISOString();
  try {
    const res = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.list(ctx.list.listId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'workspaceId = :ws',
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toListRecord(res.Attributes!);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ApiError('LIST_NOT_FOUND');
    throw error;
  }
}

/**
 * Deletes a list with its groups and every subscriber item of its current generation. The
 * list item goes first (conditionally), so the list disappears at once; the rest is removed in
 * BatchWrites of 25.
 */
export async function deleteList(deps: SenderDb & Pick<Deps, 'scheduler'>, workspaceId: string, listId: number): Promise<void> {
  const ctx = await loadListContext(deps, workspaceId, listId);
  try {
    await deps.db.send(
      new DeleteCommand({
        TableName: deps.tableName,
        Key: keys.list(listId),
        ConditionExpression: 'workspaceId = :ws',
        ExpressionAttributeValues: { ':ws': workspaceId },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ApiError('LIST_NOT_FOUND');
    throw error;
  }
  await batchWrite(deps.db, deps.tableName, [
    ...[...ctx.groups.values()].map((g) => ({ delete: keys.group(listId, g.groupId) })),
    ...(await listSenderKeys(deps, listId)).map((k) => ({ delete: k })),
  ]);
  // Subscribers, memberships, counters and phone guards, a page at a time.
  await deleteGeneration(deps, listId, ctx.list.gen);
  // Its automated emails go with it: content, pending sends and scheduler entries (SPEC A1).
  await removeAutomations(deps, ctx.automations);
}

export async function getList(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string, listId: number) {
  return (await loadListContext(deps, workspaceId, listId)).list;
}


/** GET /v2/lists: the yml's offset, limit and sortOrder (by id, default desc). */
export async function pageLists(
  deps: Pick<Deps, 'db' | 'tableName'>,
  workspaceId: string,
  o: { offset: number; limit: number; sortOrder: 'asc' | 'desc' },
): Promise<ListRecord[]> {
  const lists = await listLists(deps, workspaceId);
  lists.sort((a, b) => (o.sortOrder === 'asc' ? a.listId - b.listId : b.listId - a.listId));
  return lists.slice(o.offset, o.offset + o.limit);
}

/**
 * POST /v2/lists/{id}/copy: a new standard list with the list's settings, custom fields, groups
 * (empty) and sender addresses; not its subscribers (docs/api.md). A linked list's copy is a
 * standard list: only the link's own imports may fill a linked list.
 */
export async function copyList(deps: SenderDb, workspaceId: string, listId: number): Promise<ListRecord> {
  const { list, groups } = await loadListContext(deps, workspaceId, listId);
  const copy = await createList(deps, workspaceId, {
    name: `${list.name} (복사본)`.slice(0, 200),
    senderName: list.senderName,
    companyName: list.companyName,
    companyContact: list.companyContact,
    companyAddress: list.companyAddress,
    useSubscriberAutoDelete: list.useSubscriberAutoDelete,
    canSendToUnsubscribed: list.canSendToUnsubscribed,
    fields: list.fields,
  });
  for (const g of [...groups.values()].sort((a, b) => a.groupId - b.groupId)) await createGroup(deps, workspaceId, copy.listId, g.name);
  await copySenders(deps, listId, copy.listId);
  return copy;
}
