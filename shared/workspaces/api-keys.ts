/**
 * SPEC W2: API keys of a workspace. The secret is shown once and stored only as its SHA-256
 * (a 256-bit random secret needs no slow hash); the authorizer looks keys up by that hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import { randomId } from './ids';

export const MAX_KEYS_PER_WORKSPACE = 10;
export type ApiKeyStatus = 'active' | 'inactive';

export interface ApiKeyView {
  keyId: string;
  name: string;
  /** The first characters of the secret, so an operator can tell keys apart. */
  prefix: string;
  status: ApiKeyStatus;
  createdAt: string;
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

type KeyDeps = Pick<Deps, 'db' | 'tableName' | 'clock'>;

export async function createApiKey(
  deps: KeyDeps,
  workspaceId: string,
  name = '',
): Promise<ApiKeyView & { secret: string }> {
  const secret = randomBytes(32).toString('hex');
  const secretHash = hashSecret(secret);
  const keyId = randomId(10);
  const createdAt = deps.clock.now().toISOString();
  const view: ApiKeyView = { keyId, name, prefix: secret.slice(0, 6), status: 'active', createdAt };
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: deps.tableName,
              Key: keys.workspace(workspaceId),
              UpdateExpression: 'ADD keyCount :one',
              ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(keyCount) OR keyCount < :max)',
              ExpressionAttributeValues: { ':one': 1, ':max': MAX_KEYS_PER_WORKSPACE },
            },
          },
          {
            Put: {
              TableName: deps.tableName,
              Item: {
                ...keys.apiKey(workspaceId, keyId),
                ...keys.apiKeyGsi(workspaceId, createdAt, keyId),
                type: 'apiKey',
                ...view,
                secretHash,
              },
            },
          },
          {
            Put: {
              TableName: deps.tableName,
              Item: { ...keys.apiKeyByHash(secretHash), type: 'apiKeyHash', workspaceId, keyId, status: 'active' },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof TransactionCanceledException) throw new ApiError('API_KEY_LIMIT_EXCEEDED');
    throw error;
  }
  return { ...view, secret };
}

export async function listApiKeys(deps: KeyDeps, workspaceId: string): Promise<ApiKeyView[]> {
  const res = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :key)',
      ExpressionAttributeValues: { ':pk': keys.workspace(workspaceId).PK, ':key': 'KEY#' },
      ConsistentRead: true,
    }),
  );
  return (res.Items ?? [])
    .map((item) => toView(item))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.keyId.localeCompare(b.keyId));
}

const toView = (item: Record<string, unknown>): ApiKeyView => ({
  keyId: String(item.keyId),
  name: String(item.name ?? ''),
  prefix: String(item.prefix),
  status: item.status as ApiKeyStatus,
  createdAt: String(item.createdAt),
});

async function getKeyRecord(deps: KeyDeps, workspaceId: string, keyId: string) {
  const res = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.apiKey(workspaceId, keyId), ConsistentRead: true }),
  );
  if (!res.Item) throw new ApiError('API_KEY_NOT_FOUND');
  return res.Item;
}

/** Deactivate or reactivate; a key already in the wanted state is an illegal transition. */
export async function setApiKeyStatus(
  deps: KeyDeps,
  workspaceId: string,
  keyId: string,
  status: ApiKeyStatus,
): Promise<ApiKeyView> {
  const record = await getKeyRecord(deps, workspaceId, keyId);
  if (record.status === status) throw new ApiError('API_KEY_ILLEGAL_STATE', `status=${status}`);
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: deps.tableName,
              Key: keys.apiKey(workspaceId, keyId),
              UpdateExpression: 'SET #s = :s',
              ConditionExpression: '#s = :old',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: { ':s': status, ':old': record.status },
            },
          },
          {
            Update: {
              TableName: deps.tableName,
              Key: keys.apiKeyByHash(String(record.secretHash)),
              UpdateExpression: 'SET #s = :s',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: { ':s': status },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof TransactionCanceledException) throw new ApiError('API_KEY_ILLEGAL_STATE', `status=${status}`);
    throw error;
  }
  return toView({ ...record, status });
}

export async function deleteApiKey(deps: KeyDeps, workspaceId: string, keyId: string): Promise<void> {
  const record = await getKeyRecord(deps, workspaceId, keyId);
  await deps.db.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Delete: {
            TableName: deps.tableName,
            Key: keys.apiKey(workspaceId, keyId),
            ConditionExpression: 'attribute_exists(PK)',
          },
        },
        { Delete: { TableName: deps.tableName, Key: keys.apiKeyByHash(String(record.secretHash)) } },
        {
          Update: {
            TableName: deps.tableName,
            Key: keys.workspace(workspaceId),
            UpdateExpression: 'ADD keyCount :minus',
            ExpressionAttributeValues: { ':minus': -1 },
          },
        },
      ],
    }),
  );
}

export interface Principal {
  workspaceId: string;
  keyId: string;
}

/** The workspace's API Gateway key value: what the authorizer returns as usageIdentifierKey. */
export async function usageIdentifierKey(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string): Promise<string | undefined> {
  const res = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.workspace(workspaceId), ProjectionExpression: 'apiGatewayKeyValue' }),
  );
  return res.Item?.apiGatewayKeyValue as string | undefined;
}

/**
 * What the authorizer (AWS) and the local server both call: the principal of an active key,
 * or null. Strongly consistent, so a deactivated key is refused at once.
 */
export async function authenticate(deps: Pick<Deps, 'db' | 'tableName'>, secret: string | undefined): Promise<Principal | null> {
  if (!secret || secret.length > 512) return null;
  const res = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.apiKeyByHash(hashSecret(secret.trim())), ConsistentRead: true }),
  );
  if (!res.Item || res.Item.status !== 'active') return null;
  return { workspaceId: String(res.Item.workspaceId), keyId: String(res.Item.keyId) };
}
