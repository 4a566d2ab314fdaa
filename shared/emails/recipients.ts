/**
 * Who a regular email goes to (issue 15), one page at a time: the subscribed members of its
 * list (and the unsubscribed ones when the list's canSendToUnsubscribed allows), or the members
 * of its groups, never auto-deleted or unconfirmed (`ready`) ones. Each of the list's
 * SUBSCRIBER_SHARDS shards is paged on its own, so shards are worked in parallel; a cursor is a
 * small JSON string the state machine carries from one page task to the next.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet } from '#shared/db/batch';
import { keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import type { ListRecord } from '#shared/lists/model';
import { toSubscriberRecord, type SubscriberRecord } from '#shared/subscribers/record';
import type { SubscriberStatus } from '#shared/subscribers/status';
import type { EmailRecord } from './model';

interface Cursor {
  /** Index of the source (a status partition, or a group) being read. */
  s: number;
  /** Where its last page ended. */
  k?: Record<string, unknown>;
}

export interface RecipientPage {
  recipients: SubscriberRecord[];
  /** null: the shard is done. */
  cursor: string | null;
}

export const receivingStatuses = (includeUnsubscribed: boolean): SubscriberStatus[] => (includeUnsubscribed ? ['subscribed', 'unsubscribed'] : ['subscribed']);

/** The next page of one shard's recipients after `cursor` (null: from the start). */
export async function recipientPage(
  deps: Pick<Deps, 'db' | 'tableName'>,
  email: Pick<EmailRecord, 'groupIds' | 'includeUnsubscribed'>,
  list: Pick<ListRecord, 'listId' | 'gen'>,
  shard: number,
  cursor: string | null,
  pageSize: number,
): Promise<RecipientPage> {
  const at: Cursor = cursor ? (JSON.parse(cursor) as Cursor) : { s: 0 };
  const statuses = receivingStatuses(email.includeUnsubscribed);
  const sources = email.groupIds?.length ? email.groupIds.length : statuses.length;
  if (at.s >= sources) return { recipients: [], cursor: null };
  let recipients: SubscriberRecord[];
  let last: Record<string, unknown> | undefined;
  if (!email.groupIds?.length) {
    const res = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.subscriberStatusPartition(list.listId, list.gen, shard, statuses[at.s]!) },
        ExclusiveStartKey: at.k,
        Limit: pageSize,
      }),
    );
    recipients = (res.Items ?? []).map(toSubscriberRecord);
    last = res.LastEvaluatedKey;
  } else {
    const res = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :g)',
        ExpressionAttributeValues: { ':pk': keys.subscriberPartition(list.listId, list.gen, shard), ':g': keys.membershipPrefix(email.groupIds[at.s]!) },
        ExclusiveStartKey: at.k,
        Limit: pageSize,
        ProjectionExpression: 'SK',
      }),
    );
    const prefix = keys.membershipPrefix(email.groupIds[at.s]!);
    const emails = (res.Items ?? []).map((i) => String(i.SK).slice(prefix.length));
    const found = await batchGet(deps.db, deps.tableName, emails.map((e) => keys.subscriber(list.listId, list.gen, e, shard)));
    const allowed = new Set<SubscriberStatus>(statuses);
    recipients = [...found.values()].map(toSubscriberRecord).filter((s) => allowed.has(s.status));
    last = res.LastEvaluatedKey;
  }
  const next: Cursor | null = last ? { s: at.s, k: last } : at.s + 1 < sources ? { s: at.s + 1 } : null;
  return { recipients, cursor: next ? JSON.stringify(next) : null };
}

/** Whether the email has anyone to go to (EmptySubscriber otherwise): one small read per shard at most. */
export async function hasRecipients(deps: Pick<Deps, 'db' | 'tableName'>, email: Pick<EmailRecord, 'groupIds' | 'includeUnsubscribed'>, list: Pick<ListRecord, 'listId' | 'gen'>, shards: number): Promise<boolean> {
  for (let shard = 0; shard < shards; shard++) {
    let cursor: string | null = null;
    do {
      const page: RecipientPage = await recipientPage(deps, email, list, shard, cursor, 25);
      if (page.recipients.length) return true;
      cursor = page.cursor;
    } while (cursor);
  }
  return false;
}
