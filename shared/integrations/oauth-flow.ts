/**
 * SPEC I1 with issue 14's consent: connecting a workspace to Sixshop or Donus with the OAuth 2.0
 * authorization-code flow, PKCE (RFC 7636, S256), bound to the browser that starts it and
 * completed only when that browser confirms a page naming the workspace.
 *
 *   connect (API key)  a one-time state item: workspace, provider, PKCE verifier, the provider's
 *                      authorize URL; answers our start URL (`authorizeUrl`, as before).
 *   start (browser)    binds the state to this browser (a random cookie, its hash in the item;
 *                      once) and redirects to the provider.
 *   callback           same browser only; spends the code (once) with the verifier and keeps the
 *                      tokens encrypted in the state item; answers the consent page.
 *   confirm (POST)     same browser only; writes the connection and spends the state in one
 *                      transaction. Nothing is connected before it; cancel discards the tokens.
 *
 * A state lives 10 minutes from connect to callback and 10 more from callback to confirm; a
 * wrong, spent, expired or cross-provider state is refused (INTEGRATION_STATE_INVALID), a
 * browser without the flow's cookie too (INTEGRATION_BROWSER_MISMATCH). docs/imports.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import { adapter, callbackUrl, encryptTokens, integrationItem, providerCall } from './connections';
import { bindingHash, newBindingSecret, sameBrowser } from './browser-binding';
import type { Provider } from './providers';

export const STATE_TTL_MS = 10 * 60 * 1000;
/** From the consent page to the confirmation. */
export const CONFIRM_TTL_MS = 10 * 60 * 1000;
/** The binding cookie outlives both windows a little, then the browser forgets it. */
export const BINDING_COOKIE_SECONDS = (STATE_TTL_MS + CONFIRM_TTL_MS) / 1000 + 60;

type FlowDeps = Pick<Deps, 'db' | 'tableName' | 'clock' | 'tokenCipher' | 'providers' | 'publicBaseUrl'>;
type TableDeps = Pick<Deps, 'db' | 'tableName' | 'clock' | 'publicBaseUrl'>;

const base = (deps: Pick<Deps, 'publicBaseUrl'>, provider: Provider) => `${deps.publicBaseUrl.replace(/\/$/, '')}/v2/integrations/${provider}`;
export const startUrl = (deps: Pick<Deps, 'publicBaseUrl'>, provider: Provider, state: string) => `${base(deps, provider)}/start?state=${encodeURIComponent(state)}`;
export const confirmUrl = (deps: Pick<Deps, 'publicBaseUrl'>, provider: Provider) => `${base(deps, provider)}/confirm`;

/** Seconds since the epoch for DynamoDB's TTL, an hour after `ms` (the item is checked by its own fields first). */
const ttlAfter = (ms: number) => Math.ceil(ms / 1000) + 3600;
/** The attributes that hold tokens between the callback and the confirmation. */
const PENDING = ['pendingAccessTokenEnc', 'pendingRefreshTokenEnc', 'pendingExpiresAt', 'pendingAccount', 'codeVerifier'] as const;

/** Step 1 (API key): a one-time state, its PKCE verifier, and the URL to send the user's browser to. */
export async function startConnection(deps: FlowDeps, workspaceId: string, provider: Provider) {
  const a = adapter(deps, provider);
  const state = randomBytes(24).toString('base64url');
  // RFC 7636 4.1: 32 random octets, base64url, 43 characters; the challenge is its SHA-256.
  const codeVerifier = randomBytes(32).toString('base64url');
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
  const expiresAtMs = deps.clock.now().getTime() + STATE_TTL_MS;
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.oauthState(state),
        type: 'oauthState',
        workspaceId,
        provider,
        expiresAtMs,
        codeVerifier,
        providerAuthorizeUrl: a.authorizeUrl(state, callbackUrl(deps, provider), codeChallenge),
        expiresAt: ttlAfter(expiresAtMs),
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  // `authorizeUrl` keeps its name and use (open it in the user's browser): it is now our start
  // endpoint, which binds the flow to that browser before sending it on to the provider.
  return { provider, authorizeUrl: startUrl(deps, provider, state), state, expiresAt: new Date(expiresAtMs).toISOString() };
}

type StateItem = Record<string, unknown> & { workspaceId: string; provider: string };

async function readState(deps: TableDeps, provider: Provider, state: string): Promise<StateItem> {
  if (!state) throw new ApiError('INTEGRATION_STATE_INVALID');
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.oauthState(state), ConsistentRead: true }));
  const item = res.Item as StateItem | undefined;
  if (!item || item.type !== 'oauthState' || item.provider !== provider || item.usedAt !== undefined) throw new ApiError('INTEGRATION_STATE_INVALID');
  return item;
}

const conditionFailed = (error: unknown) => error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException;

/**
 * Step 2 (public, the browser): binds the state to this browser, once. The same browser may
 * follow the link again until the provider has answered; another browser is refused.
 * Returns where to send the browser and the cookie secret to set (new or the same).
 */
export async function bindBrowser(deps: TableDeps, provider: Provider, state: string, cookie: string | undefined): Promise<{ redirectTo: string; secret: string }> {
  const item = await readState(deps, provider, state);
  const now = deps.clock.now().getTime();
  if (Number(item.expiresAtMs) <= now || item.authorizedAt !== undefined) throw new ApiError('INTEGRATION_STATE_INVALID');
  const redirectTo = String(item.providerAuthorizeUrl);
  if (item.browserHash !== undefined) {
    if (!sameBrowser(item.browserHash, cookie)) throw new ApiError('INTEGRATION_BROWSER_MISMATCH');
    return { redirectTo, secret: cookie! };
  }
  const secret = newBindingSecret();
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.oauthState(state),
        UpdateExpression: 'SET browserHash = :h, startedAt = :at',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(browserHash) AND attribute_not_exists(usedAt)',
        ExpressionAttributeValues: { ':h': bindingHash(secret), ':at': deps.clock.now().toISOString() },
      }),
    );
  } catch (error) {
    // Another browser bound it between our read and our write.
    if (conditionFailed(error)) throw new ApiError('INTEGRATION_BROWSER_MISMATCH');
    throw error;
  }
  return { redirectTo, secret };
}

/** What the consent page shows: who is connected to what. */
export interface ConsentView {
  readonly provider: Provider;
  readonly state: string;
  readonly workspaceId: string;
  readonly workspaceName: string;
  /** The shop or organisation the provider says the tokens act for ('' when it does not say). */
  readonly account: string;
  /** The account the workspace is connected to now, which the confirmation replaces. */
  readonly replaces?: string;
}

async function consentView(deps: TableDeps, provider: Provider, state: string, item: StateItem): Promise<ConsentView> {
  const [workspace, current] = await Promise.all([
    deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.workspace(item.workspaceId), ProjectionExpression: '#n', ExpressionAttributeNames: { '#n': 'name' } })),
    deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.integration(item.workspaceId, provider), ProjectionExpression: 'account', ConsistentRead: true })),
  ]);
  return {
    provider,
    state,
    workspaceId: item.workspaceId,
    workspaceName: String(workspace.Item?.name ?? ''),
    account: String(item.pendingAccount ?? ''),
    ...(current.Item ? { replaces: String(current.Item.account ?? '') } : {}),
  };
}

/** Marks a state spent (the user declined, or the code could not be exchanged), forgetting any tokens. */
async function spend(deps: TableDeps, state: string, browserHash: unknown): Promise<void> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.oauthState(state),
        UpdateExpression: `SET usedAt = :now REMOVE ${PENDING.join(', ')}`,
        ConditionExpression: 'attribute_not_exists(usedAt) AND browserHash = :h',
        ExpressionAttributeValues: { ':now': deps.clock.now().toISOString(), ':h': browserHash },
      }),
    );
  } catch (error) {
    if (conditionFailed(error)) throw new ApiError('INTEGRATION_STATE_INVALID');
    throw error;
  }
}

/**
 * Step 3 (public, the provider's redirect): in the browser that started the flow only, the code
 * is exchanged (once, with the PKCE verifier) and the tokens kept encrypted in the state item
 * until the user confirms. Loading the page again in that browser shows the same question.
 */
export async function receiveCallback(
  deps: FlowDeps,
  provider: Provider,
  input: { state: string; code?: string; error?: string },
  cookie: string | undefined,
): Promise<ConsentView> {
  const item = await readState(deps, provider, input.state);
  const now = deps.clock.now().getTime();
  if (!sameBrowser(item.browserHash, cookie)) throw new ApiError('INTEGRATION_BROWSER_MISMATCH');
  if (item.authorizedAt !== undefined) {
    if (item.pendingAccessTokenEnc === undefined || Number(item.confirmByMs) <= now) throw new ApiError('INTEGRATION_STATE_INVALID');
    return consentView(deps, provider, input.state, item);
  }
  if (Number(item.expiresAtMs) <= now) throw new ApiError('INTEGRATION_STATE_INVALID');
  if (input.error || !input.code) {
    await spend(deps, input.state, item.browserHash);
    throw new ApiError('INTEGRATION_DENIED', input.error ? `error=${input.error.slice(0, 100)}` : 'no code');
  }
  // The code is ours to exchange once: a second callback (a replayed URL) loses this condition.
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.oauthState(input.state),
        UpdateExpression: 'SET authorizedAt = :at',
        ConditionExpression: 'attribute_not_exists(authorizedAt) AND attribute_not_exists(usedAt) AND browserHash = :h',
        ExpressionAttributeValues: { ':at': deps.clock.now().toISOString(), ':h': item.browserHash },
      }),
    );
  } catch (error) {
    if (conditionFailed(error)) throw new ApiError('INTEGRATION_STATE_INVALID');
    throw error;
  }
  let enc: Awaited<ReturnType<typeof encryptTokens>>;
  try {
    const tokens = await providerCall(() => adapter(deps, provider).exchangeCode(input.code!, callbackUrl(deps, provider), String(item.codeVerifier ?? '')));
    enc = await encryptTokens(deps, item.workspaceId, provider, tokens);
  } catch (error) {
    // A state is spent when its code could not be used: the user starts again.
    await spend(deps, input.state, item.browserHash).catch(() => undefined);
    throw error;
  }
  const confirmByMs = deps.clock.now().getTime() + CONFIRM_TTL_MS;
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.oauthState(input.state),
      UpdateExpression:
        'SET pendingAccessTokenEnc = :a, pendingRefreshTokenEnc = :r, pendingExpiresAt = :e, pendingAccount = :acc, confirmByMs = :c, expiresAt = :ttl REMOVE codeVerifier',
      ExpressionAttributeValues: {
        ':a': enc.accessTokenEnc,
        ':r': enc.refreshTokenEnc,
        ':e': enc.expiresAt,
        ':acc': enc.account,
        ':c': confirmByMs,
        ':ttl': ttlAfter(confirmByMs),
      },
    }),
  );
  return consentView(deps, provider, input.state, { ...item, pendingAccount: enc.account });
}

/**
 * Step 4 (public, the consent page's POST): in the browser that started the flow only,
 * `confirm` writes the connection and spends the state in one transaction; `cancel` spends the
 * state and forgets the tokens. Returns the workspace now connected, or undefined when cancelled.
 */
export async function decideConnection(
  deps: TableDeps,
  provider: Provider,
  input: { state: string; decision: 'confirm' | 'cancel' },
  cookie: string | undefined,
): Promise<{ workspaceId: string; account: string } | undefined> {
  const item = await readState(deps, provider, input.state);
  const now = deps.clock.now().getTime();
  if (!sameBrowser(item.browserHash, cookie)) throw new ApiError('INTEGRATION_BROWSER_MISMATCH');
  if (item.pendingAccessTokenEnc === undefined || Number(item.confirmByMs) <= now) throw new ApiError('INTEGRATION_STATE_INVALID');
  if (input.decision === 'cancel') {
    await spend(deps, input.state, item.browserHash);
    return undefined;
  }
  const connection = integrationItem(
    item.workspaceId,
    provider,
    {
      accessTokenEnc: String(item.pendingAccessTokenEnc),
      refreshTokenEnc: String(item.pendingRefreshTokenEnc),
      expiresAt: String(item.pendingExpiresAt),
      account: String(item.pendingAccount ?? ''),
    },
    deps.clock.now().toISOString(),
  );
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: deps.tableName,
              Key: keys.oauthState(input.state),
              UpdateExpression: `SET usedAt = :now REMOVE ${PENDING.join(', ')}`,
              ConditionExpression: 'attribute_not_exists(usedAt) AND browserHash = :h AND confirmByMs > :nowMs',
              ExpressionAttributeValues: { ':now': deps.clock.now().toISOString(), ':h': item.browserHash, ':nowMs': now },
            },
          },
          // The ciphertexts were made for this workspace and provider (their encryption context): copied as they are.
          { Put: { TableName: deps.tableName, Item: connection } },
        ],
      }),
    );
  } catch (error) {
    if (conditionFailed(error)) throw new ApiError('INTEGRATION_STATE_INVALID');
    throw error;
  }
  return { workspaceId: item.workspaceId, account: connection.account };
}
