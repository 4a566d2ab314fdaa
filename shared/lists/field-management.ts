/** Custom fields of a list (SPEC L2; rules of understanding-subscriber-info). */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import { queryAll } from '#shared/db/batch';
import type { Deps } from '#shared/runtime/deps';
import { applyMutations } from '#shared/subscribers/store';
import { fixedTypes, uniquePhoneField, type CustomField } from './fields';
import { loadListContext, toListRecord, type ListRecord } from './model';

type Db = Pick<Deps, 'db' | 'tableName' | 'clock'>;

/** Writes the field array only if nobody changed the list since it was read. */
async function writeFields(deps: Db, listId: number, before: string, fields: CustomField[]): Promise<CustomField[]> {
  try {
    const res = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.list(listId),
        UpdateExpression: 'SET #fields = :f, updatedAt = :now',
        ConditionExpression: 'updatedAt = :before',
        ExpressionAttributeNames: { '#fields': 'fields' },
        ExpressionAttributeValues: { ':f': fields, ':now': deps.clock.now().toISOString(), ':before': before },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toListRecord(res.Attributes!).fields;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ApiError('INVALID_REQUEST', 'the list changed meanwhile; try again');
    throw error;
  }
}

export async function listFields(deps: Db, workspaceId: string, listId: number): Promise<CustomField[]> {
  return (await loadListContext(deps, workspaceId, listId)).list.fields;
}

export async function addField(deps: Db, workspaceId: string, listId: number, field: CustomField): Promise<CustomField[]> {
  const { list } = await loadListContext(deps, workspaceId, listId);
  if (list.fields.some((f) => f.tag === field.tag)) throw new ApiError('FIELD_TAG_EXISTS', `tag=${field.tag}`);
  return writeFields(deps, listId, list.updatedAt, [...list.fields, field]);
}

export async function updateField(
  deps: Db,
  workspaceId: string,
  listId: number,
  tag: string,
  patch: Partial<Pick<CustomField, 'label' | 'type'>>,
): Promise<CustomField[]> {
  const { list } = await loadListContext(deps, workspaceId, listId);
  // After the list check: another workspace's list id answers not found, whatever the tag (W1).
  if (tag === 'email') throw new ApiError('FIELD_RESERVED');
  const field = list.fields.find((f) => f.tag === tag);
  if (!field) throw new ApiError('FIELD_NOT_FOUND', `tag=${tag}`);
  if (patch.type && patch.type !== field.type && (fixedTypes.has(field.type) || fixedTypes.has(patch.type))) {
    throw new ApiError('FIELD_TYPE_CHANGE_NOT_ALLOWED');
  }
  const next = list.fields.map((f) => (f.tag === tag ? { ...f, ...patch } : f));
  return writeFields(deps, listId, list.updatedAt, next);
}

/**
 * Removes the field and, as the original does, the values stored in it for good
 * (understanding-subscriber-info): a field later added with the same tag starts empty.
 */
export async function deleteField(deps: Db, workspaceId: string, listId: number, tag: string): Promise<CustomField[]> {
  const { list } = await loadListContext(deps, workspaceId, listId);
  if (tag === 'email') throw new ApiError('FIELD_RESERVED');
  if (!list.fields.some((f) => f.tag === tag)) throw new ApiError('FIELD_NOT_FOUND', `tag=${tag}`);
  const fields = await writeFields(deps, listId, list.updatedAt, list.fields.filter((f) => f.tag !== tag));
  await eraseFieldValues(deps, list, tag);
  return fields;
}

/** Strips one tag's values from every subscriber holding one (no webhook events: no subscriber acted). */
async function eraseFieldValues(deps: Db, list: ListRecord, tag: string): Promise<void> {
  const holders: string[] = [];
  for (let shard = 0; shard < SUBSCRIBER_SHARDS; shard++) {
    const items = await queryAll(deps.db, {
      TableName: deps.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :s)',
      FilterExpression: 'attribute_exists(#f.#t)',
      ExpressionAttributeNames: { '#f': 'fields', '#t': tag },
      ExpressionAttributeValues: { ':pk': keys.subscriberPartition(list.listId, list.gen, shard), ':s': keys.subscriberPrefix },
      ProjectionExpression: 'email',
    });
    holders.push(...items.map((i) => String(i.email)));
  }
  // The unique phone number was this field's value: its guard goes with it.
  const wasPhone = uniquePhoneField(list.fields)?.tag === tag;
  const now = deps.clock.now().toISOString();
  await applyMutations(deps, list, holders, ({ current }) => {
    if (!current || !(tag in current.fields)) return { kind: 'none', result: false };
    const { [tag]: _erased, ...rest } = current.fields;
    const next = { ...current, fields: rest, updatedAt: now, version: current.version + 1 };
    if (wasPhone) delete next.phoneDigits;
    return { kind: 'put', next, result: true };
  });
}
