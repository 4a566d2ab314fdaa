/**
 * SPEC A5: the pending-send queue of one automated email (발송대기). One partition per email,
 * sorted by due time, read a page at a time either way; a search filters on the email and field
 * values copied onto each entry. Unsubscribed and auto-deleted subscribers' entries are removed
 * when they leave (their facts purge them); a page also hides any that a race left behind.
 */
import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { isValidEmail, normalizeEmail } from '#shared/subscribers/email';
import { batchGet, queryAll } from '#shared/db/batch';
import { keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { findAutomation, illegalState, readStats } from './automations';
import { commitCounted } from './figures';
import { loadList, type PendingItem } from './triggers';
import { sendPending } from './dispatch';
import { liveMatches, needleOf, searchFilter, tokenMatches } from './queue-search';

export const QUEUE_PAGE_SIZE = 20;

export interface QueueQuery {
  page: number;
  order: 'asc' | 'desc';
  search?: string;
}

export interface QueueEntry {
  /** What "send now" and "remove" take: stable while the entry waits. */
  id: string;
  email: string;
  dueAt: string;
  triggeredAt: string;
  fields: Record<string, string | number>;
}

function baseQuery(deps: Pick<Deps, 'tableName'>, automationId: number, order: 'asc' | 'desc', search?: string): QueryCommandInput {
  const needle = search ? needleOf(search) : '';
  const filter = needle ? searchFilter(needle) : undefined;
  return {
    TableName: deps.tableName,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.pendingPartition(automationId), ...filter?.values },
    ...(filter ? { FilterExpression: filter.FilterExpression, ExpressionAttributeNames: filter.ExpressionAttributeNames } : {}),
    ScanIndexForward: order === 'asc',
  };
}

/**
 * Page `page` (1-based) of 20. Without a search a page is read directly after skipping the
 * earlier pages' keys; a whole email address is looked up through its trigger history; any other
 * search reads its matching tokens (queue-search.ts) and the sends they name, in due order, until
 * the page is full. A search matching more than TOKEN_READ_CAP tokens is not selective: the
 * partition is read with a filter, in due order, until the page is full (soon, for such a search).
 */
export async function queuePage(deps: Deps, workspaceId: string, automationId: number, q: QueueQuery) {
  const a = await findAutomation(deps, workspaceId, automationId);
  const list = await loadList(deps, a.listId);
  // Keys (and the search text) up to the end of the page, then the page's entries in full.
  const skip = (q.page - 1) * QUEUE_PAGE_SIZE;
  const want = skip + QUEUE_PAGE_SIZE + 1;
  const needle = q.search ? needleOf(q.search) : '';
  const search = needle ? q.search : undefined;
  const keysRead: Array<{ PK: string; SK: string }> = [];
  let prefetched = new Map<string, Record<string, unknown>>();
  const exactEmail = search ? normalizeEmail(search) : '';
  const matches = needle && !isValidEmail(exactEmail) ? await tokenMatches(deps, automationId, needle) : undefined;
  if (exactEmail && isValidEmail(exactEmail)) {
    // A whole address: its trigger history names its queued sends, so no partition is read through.
    keysRead.push(...(await queuedKeysOf(deps, automationId, exactEmail, q.order)));
  } else if (matches) {
    const live = await liveMatches(deps, automationId, matches, q.order, want);
    keysRead.push(...live.keys);
    prefetched = new Map([...live.items].map(([sk, item]) => [`${item.PK}\u0000${sk}`, item]));
  } else {
    let start: Record<string, unknown> | undefined;
    // A broad search reads a few sends per match: a small read first, doubled while the page is not full (not 1 MB at once).
    let evaluate = Math.max(200, 2 * want);
    do {
      const base = baseQuery(deps, automationId, q.order, search);
      const res = await deps.db.send(
        new QueryCommand({
          ...base,
          ExclusiveStartKey: start,
          ProjectionExpression: 'PK, SK',
          Limit: search ? evaluate : want - keysRead.length,
        }),
      );
      keysRead.push(...((res.Items ?? []) as Array<{ PK: string; SK: string }>));
      start = res.LastEvaluatedKey;
      evaluate *= 2;
    } while (start && keysRead.length < want);
  }
  const pageKeys = keysRead.slice(skip, skip + QUEUE_PAGE_SIZE);
  const hasMore = keysRead.length > skip + QUEUE_PAGE_SIZE;
  const unread = pageKeys.filter((k) => !prefetched.has(`${k.PK}\u0000${k.SK}`));
  const found = new Map([...prefetched, ...(unread.length ? await batchGet(deps.db, deps.tableName, unread) : [])]);
  const entries = pageKeys.map((k) => found.get(`${k.PK}\u0000${k.SK}`) as unknown as PendingItem | undefined).filter((e): e is PendingItem => Boolean(e));
  const subs = list ? await batchGet(deps.db, deps.tableName, entries.map((e) => keys.subscriber(list.listId, list.gen, e.email))) : new Map();
  const subscribers = new Map([...subs.values()].map((s) => [String(s.email), s]));
  const visible = entries.filter((e) => subscribers.get(e.email)?.status === 'subscribed');
  const stats = await readStats(deps, automationId);
  return {
    automationId,
    page: q.page,
    pageSize: QUEUE_PAGE_SIZE,
    order: q.order,
    ...(search ? {} : { total: Math.max(0, stats.queued) }),
    hasMore,
    items: visible.map(
      (e): QueueEntry => ({
        id: e.SK,
        email: e.email,
        dueAt: e.dueAt,
        triggeredAt: e.triggeredAt,
        fields: (subscribers.get(e.email)?.fields ?? {}) as Record<string, string | number>,
      }),
    ),
  };
}

/** The queue keys of one subscriber's pending sends, from its trigger history, in due order. */
async function queuedKeysOf(deps: Deps, automationId: number, email: string, order: 'asc' | 'desc') {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.automationSubscriber(automationId, email), ConsistentRead: true }));
  const named = Object.values((res.Item?.pending ?? {}) as Record<string, string>).map((SK) => ({ PK: keys.pendingPartition(automationId), SK }));
  // The history may still name sends already made or removed: only those still queued count.
  const queued = await batchGet(deps.db, deps.tableName, named);
  const sks = named.filter((k) => queued.has(`${k.PK}\u0000${k.SK}`)).map((k) => k.SK).sort();
  if (order === 'desc') sks.reverse();
  return sks.map((SK) => ({ PK: keys.pendingPartition(automationId), SK }));
}

export interface QueueSelection {
  /** Entries picked one by one, or the page's entries. */
  ids?: string[];
  /** Every entry (of the search, when given). */
  all?: boolean;
  search?: string;
}

async function selected(deps: Deps, automationId: number, selection: QueueSelection): Promise<PendingItem[]> {
  if (selection.all) {
    return (await queryAll(deps.db, baseQuery(deps, automationId, 'asc', selection.search))) as unknown as PendingItem[];
  }
  const ids = [...new Set(selection.ids ?? [])];
  const found = await batchGet(deps.db, deps.tableName, ids.map((sk) => ({ PK: keys.pendingPartition(automationId), SK: sk })));
  return [...found.values()] as unknown as PendingItem[];
}

/** "지금 발송하기": the selected entries are sent now, whatever their due time and the send window. */
export async function sendNow(deps: Deps, workspaceId: string, automationId: number, selection: QueueSelection) {
  const a = await findAutomation(deps, workspaceId, automationId);
  if (a.state === 'ended' || a.state === 'draft' || a.state === 'scheduled') throw illegalState(a.state, 'send now');
  const items = await selected(deps, automationId, selection);
  const { sent } = await sendPending(deps, items, { force: true });
  return { selected: items.length, sent };
}

/** "대기 목록에서 삭제하기": removal cancels the send. */
export async function removeFromQueue(deps: Deps, workspaceId: string, automationId: number, selection: QueueSelection) {
  await findAutomation(deps, workspaceId, automationId);
  const items = await selected(deps, automationId, selection);
  // Each removal with its figures (issue 12); one a dispatcher claimed meanwhile is not removed.
  const committed = await commitCounted(
    deps,
    automationId,
    items.map((item) => ({
      writes: [{ Delete: { TableName: deps.tableName, Key: { PK: item.PK, SK: item.SK }, ConditionExpression: 'attribute_exists(PK)' } }],
      delta: { queued: -1, dropped: 1 },
    })),
  );
  return { selected: items.length, removed: committed.filter(Boolean).length };
}
