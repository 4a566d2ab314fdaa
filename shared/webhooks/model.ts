/** SPEC L10: webhooks of a list, stored in the list's partition. */
import { randomBytes } from 'node:crypto';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import { loadListContext } from '#shared/lists/model';
import { randomId } from '#shared/workspaces/ids';
import { assertDeliverableUrl } from './url-guard';
import { listDeadLetters, type DeadLetterKind } from '#shared/dead-letters';

/** The original's six events, and ours for groups and imports. */
export const webhookActions = [
  'SUBSCRIBED',
  'UPDATED',
  'UNSUBSCRIBED',
  'RESUBSCRIBED',
  'DELETED',
  'PURGED',
  'GROUP_ASSIGNED',
  'GROUP_RELEASED',
  'IMPORT_COMPLETED',
] as const;
export type WebhookAction = (typeof webhookActions)[number];

export interface WebhookRecord {
  webhookId: string;
  listId: number;
  workspaceId: string;
  name: string;
  url: string;
  events: WebhookAction[];
  enabled: boolean;
  /** HMAC-SHA256 key of the signature header; returned once, at creation. */
  secret: string;
  createdAt: string;
  updatedAt: string;
}

export type WebhookView = Omit<WebhookRecord, 'secret' | 'workspaceId'>;
export const webhookView = ({ secret: _s, workspaceId: _w, ...view }: WebhookRecord): WebhookView => view;

export const toWebhookRecord = (item: Record<string, unknown>): WebhookRecord => ({
  webhookId: String(item.webhookId),
  listId: Number(item.listId),
  workspaceId: String(item.workspaceId),
  name: String(item.name),
  url: String(item.url),
  events: item.events as WebhookAction[],
  enabled: item.enabled === true,
  secret: String(item.secret),
  createdAt: String(item.createdAt),
  updatedAt: String(item.updatedAt),
});

type Db = Pick<Deps, 'db' | 'tableName' | 'clock' | 'allowPrivateWebhookUrls' | 'resolveHost'>;

export async function createWebhook(
  deps: Db,
  workspaceId: string,
  listId: number,
  input: { name: string; url: string; events: WebhookAction[] },
): Promise<WebhookRecord> {
  await loadListContext(deps, workspaceId, listId);
  await assertDeliverableUrl(input.url, deps.allowPrivateWebhookUrls, deps.resolveHost);
  const now = deps.clock.now().toISOString();
  const record: WebhookRecord = {
    webhookId: randomId(12),
    listId,
    workspaceId,
    ...input,
    events: [...new Set(input.events)],
    enabled: true,
    secret: `whsec_${randomBytes(24).toString('base64url')}`,
    createdAt: now,
    updatedAt: now,
  };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.webhook(listId, record.webhookId), type: 'webhook', ...record },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  return record;
}

export async function listWebhooks(deps: Db, workspaceId: string, listId: number): Promise<WebhookRecord[]> {
  return (await loadListContext(deps, workspaceId, listId)).webhooks;
}

export async function getWebhook(deps: Db, workspaceId: string, listId: number, webhookId: string): Promise<WebhookRecord> {
  const found = (await listWebhooks(deps, workspaceId, listId)).find((w) => w.webhookId === webhookId);
  if (!found) throw new ApiError('WEBHOOK_NOT_FOUND');
  return found;
}

export async function updateWebhook(
  deps: Db,
  workspaceId: string,
  listId: number,
  webhookId: string,
  patch: Partial<Pick<WebhookRecord, 'name' | 'url' | 'events' | 'enabled'>>,
): Promise<WebhookRecord> {
  await getWebhook(deps, workspaceId, listId, webhookId);
  if (patch.url) await assertDeliverableUrl(patch.url, deps.allowPrivateWebhookUrls, deps.resolveHost);
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':now': deps.clock.now().toISOString(), ':ws': workspaceId };
  const sets = entries.map(([k, v], i) => {
    names[`#f${i}`] = k;
    values[`:v${i}`] = k === 'events' ? [...new Set(v as WebhookAction[])] : v;
    return `#f${i} = :v${i}`;
  });
  try {
    const res = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.webhook(listId, webhookId),
        UpdateExpression: `SET ${[...sets, 'updatedAt = :now'].join(', ')}`,
        ConditionExpression: 'workspaceId = :ws',
        ...(entries.length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toWebhookRecord(res.Attributes!);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ApiError('WEBHOOK_NOT_FOUND');
    throw error;
  }
}

export async function deleteWebhook(deps: Db, workspaceId: string, listId: number, webhookId: string): Promise<void> {
  await getWebhook(deps, workspaceId, listId, webhookId);
  await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: keys.webhook(listId, webhookId) }));
}

export interface DeliveryAttempt {
  deliveryId: string;
  eventId: string;
  action: string;
  attempt: number;
  at: string;
  status: number | null;
  ok: boolean;
  latencyMs: number;
  error?: string;
  /**
   * Set on dead letters (issue 12): a delivery or batch the worker gave up on, with why
   * (`error`), which kind (`delivery`: no 2xx within the window or the worker kept failing on
   * it; `batch`: the request's changes could not be made into deliveries) and whom it named.
   */
  deadLetter?: true;
  kind?: DeadLetterKind;
  subscribers?: number;
  emails?: string[];
}

/** How many attempts a webhook's delivery log keeps. */
export const DELIVERY_LOG_SIZE = 100;

/** A webhook's delivery log, newest first: read by the API, trimmed by the worker. */
export const deliveryLogQuery = (tableName: string, webhookId: string) => ({
  TableName: tableName,
  KeyConditionExpression: 'PK = :pk',
  ExpressionAttributeValues: { ':pk': keys.deliveryLogPartition(webhookId) },
  ScanIndexForward: false,
});

/** The webhook's last 100 attempts and its last 100 dead letters, newest first. */
export async function listDeliveries(deps: Db, workspaceId: string, listId: number, webhookId: string): Promise<DeliveryAttempt[]> {
  await getWebhook(deps, workspaceId, listId, webhookId);
  const [res, dead] = await Promise.all([
    deps.db.send(new QueryCommand({ ...deliveryLogQuery(deps.tableName, webhookId), Limit: DELIVERY_LOG_SIZE })),
    listDeadLetters(deps, { webhookId }),
  ]);
  const attempts = (res.Items ?? []).map((i) => i.attempt as DeliveryAttempt);
  const letters = dead.map(
    (d): DeliveryAttempt => ({
      deliveryId: d.id,
      eventId: d.eventId ?? '',
      action: d.action ?? '',
      attempt: d.attempts,
      at: d.at,
      status: null,
      ok: false,
      latencyMs: 0,
      error: d.reason,
      deadLetter: true,
      kind: d.kind,
      subscribers: d.subscribers,
      emails: d.emails,
    }),
  );
  return [...attempts, ...letters].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}
