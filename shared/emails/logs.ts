/**
 * A regular email's per-recipient logs (issue 15; the yml's EmailLogsResponse): one entry per
 * result (P sent, F failed with the reason in value2), per first open (O) and per link clicked
 * (C, the URL in value), all read from the recipients' items (deliver.ts), shard by shard in
 * address order. `total` counts the entries; `id` is an entry's position (offset + 1 …).
 */
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { kstIsoTime } from '#shared/http/kst-time';
import { findEmail, readFigures } from './emails';
import { figuresWrite } from './deliver';
import type { SendFigures } from './model';

/** Links of one recipient kept in its log (the first ones clicked). */
export const MAX_CLICKED_LINKS = 20;

export interface EmailLogEntry {
  id: number;
  subscriber: string;
  action: 'P' | 'F' | 'A' | 'D' | 'O' | 'C';
  value: string;
  value2: string;
  createdTime: string;
}

type Entry = Omit<EmailLogEntry, 'id'>;

function entriesOf(item: Record<string, unknown>): Entry[] {
  const subscriber = String(item.email);
  const out: Entry[] = [];
  if (item.status === 'sent') out.push({ subscriber, action: 'P', value: '', value2: item.messageId ? `250\nok ${String(item.messageId)}` : '250\nok', createdTime: kstIsoTime(String(item.sentAt)) });
  if (item.status === 'failed') out.push({ subscriber, action: 'F', value: '', value2: String(item.reason ?? ''), createdTime: kstIsoTime(String(item.sentAt)) });
  if (item.openedAt) out.push({ subscriber, action: 'O', value: String(item.openUserAgent ?? ''), value2: '', createdTime: kstIsoTime(String(item.openedAt)) });
  for (const c of (item.clicks ?? []) as Array<{ url: string; at: string; ua?: string }>) out.push({ subscriber, action: 'C', value: c.url, value2: c.ua ?? '', createdTime: kstIsoTime(c.at) });
  return out;
}

/** GET /v2/emails/{id}/logs: offset and limit (≤ 1,000) over the entries. */
export async function emailLogs(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string, emailId: number, o: { offset: number; limit: number }) {
  await findEmail(deps, workspaceId, emailId);
  const f = await readFigures(deps, emailId);
  const total = f.sent + f.failed + f.uniqueOpens + f.clickLogs;
  const items: EmailLogEntry[] = [];
  let position = 0;
  for (let shard = 0; shard < SUBSCRIBER_SHARDS && items.length < o.limit; shard++) {
    let start: Record<string, unknown> | undefined;
    do {
      const res = await deps.db.send(
        new QueryCommand({ TableName: deps.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.emailRecipientPartition(emailId, shard) }, ExclusiveStartKey: start }),
      );
      for (const item of res.Items ?? []) {
        for (const e of entriesOf(item)) {
          position++;
          if (position > o.offset && items.length < o.limit) items.push({ id: position, ...e });
        }
      }
      start = res.LastEvaluatedKey;
    } while (start && items.length < o.limit);
  }
  return { total: Math.max(total, o.offset + items.length), offset: o.offset, limit: o.limit, items };
}

/** An open of a regular email's send (the tracking pixel): the first is logged and counted unique. */
export async function recordRegularOpen(deps: Pick<Deps, 'db' | 'tableName' | 'clock'>, emailId: number, email: string, userAgent = ''): Promise<void> {
  const first = await markOpened(deps, emailId, email, deps.clock.now().toISOString(), userAgent);
  await addFigures(deps, emailId, { opens: 1, ...(first ? { uniqueOpens: 1 } : {}) });
}

/** A click of a link in a regular email: logged (the first MAX_CLICKED_LINKS clicks), counted; it shows an open too. */
export async function recordRegularClick(deps: Pick<Deps, 'db' | 'tableName' | 'clock'>, emailId: number, email: string, url: string, userAgent = ''): Promise<void> {
  const at = deps.clock.now().toISOString();
  let logged = true;
  let firstClick = false;
  try {
    const res = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.emailRecipient(emailId, email),
        UpdateExpression: 'SET clicks = list_append(if_not_exists(clicks, :none), :c)',
        ConditionExpression: '#s IN (:sent, :failed) AND (attribute_not_exists(clicks) OR size(clicks) < :max)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':none': [], ':c': [{ url: url.slice(0, 2000), at, ua: userAgent.slice(0, 300) }], ':max': MAX_CLICKED_LINKS, ...recorded },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    firstClick = !res.Attributes?.clicks;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    logged = false;
  }
  const opened = await markOpened(deps, emailId, email, at, userAgent);
  await addFigures(deps, emailId, { clicks: 1, ...(logged ? { clickLogs: 1 } : {}), ...(firstClick ? { uniqueClicks: 1 } : {}), ...(opened ? { uniqueOpens: 1 } : {}) });
}

/**
 * Opens and clicks are logged on a recipient's recorded result only: its page writes the result
 * with a plain put after the sub-batch is mailed (deliver.ts), which would overwrite an open
 * logged on an item not yet recorded. One that comes sooner (within a sub-batch's mailing) counts
 * in `opens` / `clicks`, is not logged, and its unique figure waits for a later one (docs/api.md).
 */
const recorded = { ':sent': 'sent', ':failed': 'failed' };

/** Records the recipient's first open; true when this was it (a click shows an open too). */
async function markOpened(deps: Pick<Deps, 'db' | 'tableName'>, emailId: number, email: string, at: string, userAgent: string): Promise<boolean> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.emailRecipient(emailId, email),
        UpdateExpression: 'SET openedAt = :at, openUserAgent = :ua',
        ConditionExpression: '#s IN (:sent, :failed) AND attribute_not_exists(openedAt)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':at': at, ':ua': userAgent.slice(0, 300), ...recorded },
      }),
    );
    return true;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return false;
  }
}

async function addFigures(deps: Pick<Deps, 'db' | 'tableName'>, emailId: number, delta: Partial<SendFigures>) {
  const write = figuresWrite(deps.tableName, emailId, delta);
  if (write) await deps.db.send(new TransactWriteCommand({ TransactItems: [write] }));
}

/**
 * Whether a regular email's recipient opened it (or clicked: any link, or `url`), for the
 * not-opened / not-clicked triggers that watch it (issue 15, SPEC A3). A click counts as an open.
 * Only the first MAX_CLICKED_LINKS clicks are logged: a link first clicked after those does not
 * count for a trigger naming that link (docs/api.md).
 */
export async function regularSendSeen(deps: Pick<Deps, 'db' | 'tableName'>, emailId: number, email: string, kind: 'open' | 'click', url?: string): Promise<boolean> {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.emailRecipient(emailId, email), ConsistentRead: true }));
  const item = res.Item;
  if (!item) return false;
  const clicks = (item.clicks ?? []) as Array<{ url: string }>;
  if (kind === 'open') return !!item.openedAt || clicks.length > 0;
  return url ? clicks.some((c) => c.url === url.slice(0, 2000)) : clicks.length > 0;
}
