/** SPEC L8 look-ups: counts by status and a paged subscriber list filterable by status and group. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet, keyString, type Key } from '#shared/db/batch';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { ApiError } from '#shared/http/errors';
import type { ListContext } from '#shared/lists/model';
import { subscriberStatuses, v1Statuses, type SubscriberStatus } from './status';
import { toSubscriberRecord, type SubscriberRecord } from './record';

type Db = Pick<Deps, 'db' | 'tableName'>;
const shards = Array.from({ length: SUBSCRIBER_SHARDS }, (_, i) => i);

/** Counts by status of each shard of a list generation (index = shard): one BatchGet of SUBSCRIBER_SHARDS items, exact after every committed write. */
export async function countsByShard(deps: Db, listId: number, gen: number): Promise<Record<SubscriberStatus, number>[]> {
  const found = await batchGet(deps.db, deps.tableName, shards.map((s) => keys.counter(listId, gen, s)));
  return shards.map((shard) => {
    const item = found.get(keyString(keys.counter(listId, gen, shard)));
    return Object.fromEntries(subscriberStatuses.map((s) => [s, Number(item?.[s] ?? 0)])) as Record<SubscriberStatus, number>;
  });
}

/** Sum of the per-shard counters, of the statuses v1 knows (`ready` ones are v2's, issue 13). */
export async function countByStatus(deps: Db, ctx: ListContext): Promise<Record<(typeof v1Statuses)[number], number> & { total: number }> {
  const counts = { subscribed: 0, unsubscribed: 0, autoDeleted: 0 };
  for (const shard of await countsByShard(deps, ctx.list.listId, ctx.list.gen)) for (const s of v1Statuses) counts[s] += shard[s];
  return { ...counts, total: counts.subscribed + counts.unsubscribed + counts.autoDeleted };
}

export interface SubscriberPage {
  items: SubscriberView[];
  /** Opaque cursor of the next page, null on the last. */
  nextCursor: string | null;
}

export interface SubscriberView extends Record<string, unknown> {
  email: string;
  status: SubscriberStatus;
  $ad_agreed: 'Y' | 'N';
  groupIds: number[];
  subscribedDate: string;
  modifiedDate: string;
}

/**
 * `fields`: the list's custom fields; values of tags no longer among them are not shown (a
 * deleted field takes its values with it, understanding-subscriber-info).
 */
export const toView = (s: SubscriberRecord, fields?: readonly { tag: string }[]): SubscriberView => ({
  ...(fields ? Object.fromEntries(fields.filter((f) => f.tag in s.fields).map((f) => [f.tag, s.fields[f.tag]])) : s.fields),
  email: s.email,
  status: s.status,
  $ad_agreed: s.adAgreed,
  groupIds: s.groupIds,
  subscribedDate: s.createdAt,
  modifiedDate: s.updatedAt,
});

const encodeCursor = (v: string) => Buffer.from(v).toString('base64url');
function decodeCursor(c: string | undefined): string | undefined {
  if (!c) return undefined;
  const v = Buffer.from(c, 'base64url').toString();
  if (!v.includes('#')) throw new ApiError('INVALID_REQUEST', 'cursor: invalid');
  return v;
}

/**
 * Subscribers in subscription order, newest first. Without a group: the status index (GSI1) of
 * each shard is queried from the cursor on and the shards' pages merged. With a group: the
 * membership items of each shard, then the subscribers themselves (BatchGet), status filtered.
 */
export async function pageSubscribers(
  deps: Db,
  ctx: ListContext,
  options: { status?: SubscriberStatus; groupId?: number; limit: number; cursor?: string },
): Promise<SubscriberPage> {
  const { listId, gen } = ctx.list;
  const after = decodeCursor(options.cursor);
  if (options.groupId !== undefined) {
    if (!ctx.groups.has(options.groupId)) throw new ApiError('GROUP_NOT_FOUND');
    return pageGroup(deps, ctx, options.groupId, options.status, options.limit, after);
  }
  const statuses = options.status ? [options.status] : [...v1Statuses];
  const perPartition = await Promise.all(
    statuses.flatMap((status) =>
      shards.map(async (shard) => {
        const res = await deps.db.send(
          new QueryCommand({
            TableName: deps.tableName,
            IndexName: 'GSI1',
            KeyConditionExpression: after ? 'GSI1PK = :pk AND GSI1SK < :after' : 'GSI1PK = :pk',
            ExpressionAttributeValues: {
              ':pk': keys.subscriberStatusPartition(listId, gen, shard, status),
              ...(after ? { ':after': after } : {}),
            },
            ScanIndexForward: false,
            Limit: options.limit + 1,
          }),
        );
        return res.Items ?? [];
      }),
    ),
  );
  // Plain code-unit order, the order DynamoDB compares the cursor in (localeCompare is not).
  const merged = perPartition.flat().sort((a, b) => (String(a.GSI1SK) < String(b.GSI1SK) ? 1 : -1));
  const page = merged.slice(0, options.limit);
  const more = merged.length > options.limit;
  return {
    items: page.map((i) => toView(toSubscriberRecord(i), ctx.list.fields)),
    nextCursor: more ? encodeCursor(String(page[page.length - 1]!.GSI1SK)) : null,
  };
}

async function pageGroup(
  deps: Db,
  ctx: ListContext,
  groupId: number,
  status: SubscriberStatus | undefined,
  limit: number,
  after: string | undefined,
): Promise<SubscriberPage> {
  const { listId, gen } = ctx.list;
  // Members in email order; the cursor is the last email returned.
  const collected: SubscriberRecord[] = [];
  let from = after?.split('#').slice(1).join('#');
  const prefix = keys.membershipPrefix(groupId);
  let exhausted = false;
  for (let rounds = 0; collected.length < limit + 1 && rounds < 50; rounds++) {
    const perShard = await Promise.all(
      shards.map(async (shard) => {
        const res = await deps.db.send(
          new QueryCommand({
            TableName: deps.tableName,
            KeyConditionExpression: from ? 'PK = :pk AND SK BETWEEN :from AND :end' : 'PK = :pk AND begins_with(SK, :prefix)',
            ExpressionAttributeValues: {
              ':pk': keys.subscriberPartition(listId, gen, shard),
              ...(from ? { ':from': `${prefix}${from}\u0000`, ':end': `${prefix}\uffff` } : { ':prefix': prefix }),
            },
            Limit: limit + 1,
            ProjectionExpression: 'email',
          }),
        );
        return (res.Items ?? []).map((i) => String(i.email));
      }),
    );
    const emails = perShard.flat().sort().slice(0, limit + 1);
    if (emails.length === 0) {
      exhausted = true;
      break;
    }
    const found = await batchGet(deps.db, deps.tableName, emails.map((e): Key => keys.subscriber(listId, gen, e)));
    const byEmail = new Map([...found.values()].map((i) => [String(i.email), i]));
    for (const e of emails) {
      const item = byEmail.get(e);
      if (!item) continue;
      const record = toSubscriberRecord(item);
      if (!status || record.status === status) collected.push(record);
      if (collected.length === limit + 1) break;
    }
    from = emails[emails.length - 1];
    if (emails.length < limit + 1) {
      exhausted = true;
      break;
    }
  }
  const page = collected.slice(0, limit);
  // A sparse status filter can spend the scan budget before the page fills: the next page then
  // starts after the last member scanned, or members past it would never be seen.
  const resumeAt = collected.length > limit ? page[page.length - 1]!.email : exhausted ? undefined : from;
  return {
    items: page.map((r) => toView(r, ctx.list.fields)),
    nextCursor: resumeAt ? encodeCursor(`g#${resumeAt}`) : null,
  };
}
