import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';

/** Numeric ids (lists, groups) as the original has them: one atomic counter per kind. */
export async function nextId(deps: Pick<Deps, 'db' | 'tableName'>, name: 'list' | 'group' | 'automation' | 'email'): Promise<number> {
  const res = await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.sequence(name),
      UpdateExpression: 'ADD #v :one',
      ExpressionAttributeNames: { '#v': 'value' },
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(res.Attributes?.value);
}
