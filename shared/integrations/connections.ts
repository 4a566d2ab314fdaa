/**
 * SPEC I1: a workspace's connections to Sixshop and Donus, once made (the OAuth flow that makes
 * them is ./oauth-flow.ts). Tokens are stored only encrypted (SPEC R3) and refreshed when expired.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import { adapterFor } from './adapters/index';
import { ProviderAuthFailed, ProviderUnavailable, providers, type OAuthTokens, type Provider, type ProviderAdapter } from './providers';

/** Access tokens this close to expiry are refreshed before use. */
const REFRESH_MARGIN_MS = 60 * 1000;

type ConnDeps = Pick<Deps, 'db' | 'tableName' | 'clock' | 'tokenCipher' | 'providers' | 'publicBaseUrl'>;

/** The connection's refusal when the provider cannot be used at all: a task error name in the state machine. */
export class IntegrationNotConnected extends Error {
  override readonly name = 'IntegrationNotConnected';
}

export function adapter(deps: Pick<Deps, 'providers' | 'clock'>, provider: Provider): ProviderAdapter {
  // An empty client secret is the stack's placeholder: the operator has not filled it in yet.
  if (!deps.providers?.[provider].clientSecret) throw new ApiError('INTEGRATION_NOT_CONFIGURED');
  return adapterFor(deps.providers, provider, deps.clock);
}

export const callbackUrl = (deps: Pick<Deps, 'publicBaseUrl'>, provider: Provider) =>
  `${deps.publicBaseUrl.replace(/\/$/, '')}/v2/integrations/${provider}/callback`;

const context = (workspaceId: string, provider: Provider) => ({ workspaceId, provider });

/** The tokens as stored: encrypted for this workspace and provider (SPEC R3), with their expiry and account. */
export async function encryptTokens(deps: Pick<Deps, 'tokenCipher'>, workspaceId: string, provider: Provider, tokens: OAuthTokens) {
  const ctx = context(workspaceId, provider);
  return {
    accessTokenEnc: await deps.tokenCipher.encrypt(tokens.accessToken, ctx),
    refreshTokenEnc: await deps.tokenCipher.encrypt(tokens.refreshToken, ctx),
    expiresAt: tokens.expiresAt,
    account: tokens.account ?? '',
  };
}

export type EncryptedTokens = Awaited<ReturnType<typeof encryptTokens>>;

/** The connection item (`WS#<ws>` / `INTEG#<provider>`). */
export const integrationItem = (workspaceId: string, provider: Provider, enc: EncryptedTokens, connectedAt: string) => ({
  ...keys.integration(workspaceId, provider),
  type: 'integration',
  workspaceId,
  provider,
  ...enc,
  connectedAt,
});

async function storeTokens(deps: ConnDeps, workspaceId: string, provider: Provider, tokens: OAuthTokens, connectedAt: string) {
  return integrationItem(workspaceId, provider, await encryptTokens(deps, workspaceId, provider, tokens), connectedAt);
}

/** Provider failures as API errors (for request paths; the import's tasks keep the raw names). */
export async function providerCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ProviderAuthFailed) throw new ApiError('INTEGRATION_AUTH_FAILED');
    if (error instanceof ProviderUnavailable) throw new ApiError('INTEGRATION_UNAVAILABLE');
    throw error;
  }
}

export interface IntegrationView {
  provider: Provider;
  connected: boolean;
  account?: string;
  connectedAt?: string;
}

/** Both providers, connected or not; never a token. */
export async function listConnections(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string): Promise<IntegrationView[]> {
  const res = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': keys.workspace(workspaceId).PK, ':p': keys.integrationPrefix },
      ConsistentRead: true,
    }),
  );
  const found = new Map((res.Items ?? []).map((i) => [String(i.provider), i]));
  return providers.map((provider) => {
    const item = found.get(provider);
    return item
      ? { provider, connected: true, account: String(item.account ?? ''), connectedAt: String(item.connectedAt) }
      : { provider, connected: false };
  });
}

export async function isConnected(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string, provider: Provider): Promise<boolean> {
  const res = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.integration(workspaceId, provider), ConsistentRead: true, ProjectionExpression: 'PK' }),
  );
  return Boolean(res.Item);
}

/** Forgets the tokens. Linked lists stay (their imports are refused until connected again). */
export async function disconnect(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string, provider: Provider): Promise<void> {
  try {
    await deps.db.send(
      new DeleteCommand({ TableName: deps.tableName, Key: keys.integration(workspaceId, provider), ConditionExpression: 'attribute_exists(PK)' }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ApiError('INTEGRATION_NOT_CONNECTED');
    throw error;
  }
}

/**
 * A working access token: the stored one, or a refreshed one when it is (nearly) expired or
 * `force` says the provider refused it. Refresh tokens rotate, so concurrent refreshers race:
 * the write is conditioned on the ciphertext read, and a loser uses the winner's tokens.
 */
export async function accessToken(deps: ConnDeps, workspaceId: string, provider: Provider, force = false): Promise<string> {
  const ctx = context(workspaceId, provider);
  for (let attempt = 0; attempt < 3; attempt++) {
    const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.integration(workspaceId, provider), ConsistentRead: true }));
    const item = res.Item;
    if (!item) throw new IntegrationNotConnected(`workspace is not connected to ${provider}`);
    const fresh = Date.parse(String(item.expiresAt)) - REFRESH_MARGIN_MS > deps.clock.now().getTime();
    if (fresh && !(force && attempt === 0)) return deps.tokenCipher.decrypt(String(item.accessTokenEnc), ctx);
    let tokens: OAuthTokens;
    try {
      tokens = await adapter(deps, provider).refresh(await deps.tokenCipher.decrypt(String(item.refreshTokenEnc), ctx));
    } catch (error) {
      if (!(error instanceof ProviderAuthFailed)) throw error;
      // Another task may have rotated the refresh token first: look again before giving up.
      const again = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.integration(workspaceId, provider), ConsistentRead: true }));
      if (again.Item && again.Item.refreshTokenEnc !== item.refreshTokenEnc) {
        force = false;
        continue;
      }
      throw error;
    }
    const next = await storeTokens(deps, workspaceId, provider, { ...tokens, account: tokens.account ?? String(item.account ?? '') }, String(item.connectedAt));
    try {
      await deps.db.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: next,
          ConditionExpression: 'refreshTokenEnc = :old',
          ExpressionAttributeValues: { ':old': item.refreshTokenEnc },
        }),
      );
    } catch (error) {
      // Disconnected or refreshed meanwhile: our token still works for this call.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    return tokens.accessToken;
  }
  throw new ProviderAuthFailed('could not obtain a working access token');
}

/** Runs a provider call with a working token, refreshing once if the provider refuses it. */
export async function withAccessToken<T>(deps: ConnDeps, workspaceId: string, provider: Provider, fn: (token: string) => Promise<T>): Promise<T> {
  try {
    return await fn(await accessToken(deps, workspaceId, provider));
  } catch (error) {
    if (!(error instanceof ProviderAuthFailed)) throw error;
    return fn(await accessToken(deps, workspaceId, provider, true));
  }
}
