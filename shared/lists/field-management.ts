/** Custom fields of a list (SPEC L2; rules of understanding-subscriber-info). */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import { fixedTypes, type CustomField } from './fields';
import { loadListContext, toListRecord } from './model';

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
  if (tag === 'email') throw new ApiError('FIELD_RESERVED');
  const { list } = await loadListContext(deps, workspaceId, listId);
  const field = list.fields.find((f) => f.tag === tag);
  if (!field) throw new ApiError('FIELD_NOT_FOUND', `tag=${tag}`);
  if (patch.type && patch.type !== field.type && (fixedTypes.has(field.type) || fixedTypes.has(patch.type))) {
    throw new ApiError('FIELD_TYPE_CHANGE_NOT_ALLOWED');
  }
  const next = list.fields.map((f) => (f.tag === tag ? { ...f, ...patch } : f));
  return writeFields(deps, listId, list.updatedAt, next);
}

/** Removes the field from the list; stored values stop being read (the original deletes them too). */
export async function deleteField(deps: Db, workspaceId: string, listId: number, tag: string): Promise<CustomField[]> {
  if (tag === 'email') throw new ApiError('FIELD_RESERVED');
  const { list } = await loadListContext(deps, workspaceId, listId);
  if (!list.fields.some((f) => f.tag === tag)) throw new ApiError('FIELD_NOT_FOUND', `tag=${tag}`);
  return writeFields(deps, listId, list.updatedAt, list.fields.filter((f) => f.tag !== tag));
}
