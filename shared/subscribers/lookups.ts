/**
 * The v1 subscriber look-ups as reference/api-webhook_list-api_2024-04-18.md defines them
 * (SPEC L8): `subscribers/count?status&startDate&endDate` and
 * `subscribers?status&startDate&endDate&offset&limit`. Dates are the KST day a subscriber
 * entered its current status. docs/data-model.md ("status index") explains the keys: rows are
 * ordered by (day, block, status, shard, position), every block of a day has a counter item, so
 * an offset is found by summing counters and only the blocks holding the page are read.
 */
import { batchGet, chunk, queryAll, type Item, type Key } from '#shared/db/batch';
import { INDEX_BLOCK, keys, pad, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { ApiError } from '#shared/http/errors';
import type { ListContext } from '#shared/lists/model';
import type { CustomField } from '#shared/lists/fields';
import { v1Statuses, type SubscriberStatus } from './status';
import { toSubscriberRecord, type SubscriberRecord } from './record';
import { countByStatus } from './queries';
import { kstDay, parseDay, serviceTime, statusCodes, statusOfCode } from './v1-format';
import { z } from 'zod';

type Db = Pick<Deps, 'db' | 'tableName'>;
type V1Status = (typeof v1Statuses)[number];
const shards = Array.from({ length: SUBSCRIBER_SHARDS }, (_, i) => i);

export interface SubscriberFilter {
  /** One status, or every v1 status when absent. */
  status?: V1Status;
  /** Inclusive KST days, `YYYYMMDD`. */
  startDay?: string;
  endDay?: string;
}

const day = (name: string) =>
  z
    .string()
    .refine((v) => parseDay(v) !== null, `${name}: a day as YYYYMMDD`)
    .optional();

/**
 * The filter parameters of both look-ups: `status` S, D or A (our own words subscribed,
 * unsubscribed, autoDeleted are read too), `startDate` / `endDate` as YYYYMMDD, inclusive.
 */
export const filterQuery = {
  status: z
    .enum(['S', 'D', 'A', ...v1Statuses])
    .transform((v) => (v === 'S' || v === 'D' || v === 'A' ? statusOfCode[v] : v))
    .optional(),
  startDate: day('startDate'),
  endDate: day('endDate'),
};

export const toFilter = (q: { status?: V1Status | undefined; startDate?: string | undefined; endDate?: string | undefined }): SubscriberFilter => {
  if (q.startDate && q.endDate && q.startDate > q.endDate) throw new ApiError('INVALID_REQUEST', 'startDate: after endDate');
  return { ...(q.status ? { status: q.status } : {}), ...(q.startDate ? { startDay: q.startDate } : {}), ...(q.endDate ? { endDay: q.endDate } : {}) };
};

/** One index block: how many subscribers of a status entered it on a day with a position in the block. */
interface Cell {
  status: SubscriberStatus;
  shard: number;
  day: string;
  block: number;
  n: number;
}

// `ready` (v2's double opt-in) is not a v1 status: the look-ups neither show nor count it (issue 13).
const statusesOf = (f: SubscriberFilter): SubscriberStatus[] => (f.status ? [f.status] : [...v1Statuses]);

/** The block counters in the filter's day range: one Query per (status, shard), in parallel. */
async function cellsOf(deps: Db, ctx: ListContext, f: SubscriberFilter): Promise<Cell[]> {
  const { listId, gen } = ctx.list;
  const perPartition = await Promise.all(
    statusesOf(f).flatMap((status) =>
      shards.map(async (shard) => {
        const prefix = keys.indexBlockPrefix(status);
        const items = await queryAll(deps.db, {
          TableName: deps.tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': keys.subscriberPartition(listId, gen, shard),
            ':from': `${prefix}${f.startDay ?? '00000000'}`,
            ':to': `${prefix}${f.endDay ?? '99999999'}#~`,
          },
        });
        return items.flatMap((item): Cell[] => {
          const n = Number(item.n ?? 0);
          if (n <= 0) return [];
          const [day, block] = String(item.SK).slice(prefix.length).split('#') as [string, string];
          return [{ status, shard, day, block: Number(block), n }];
        });
      }),
    ),
  );
  const order = (s: SubscriberStatus) => (v1Statuses as readonly SubscriberStatus[]).indexOf(s);
  return perPartition
    .flat()
    .sort((a, b) => (a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.block - b.block || order(a.status) - order(b.status) || a.shard - b.shard));
}

/** `GET .../subscribers/count`: exact, from counters only (the 8 shard counters without dates). */
export async function countSubscribers(deps: Db, ctx: ListContext, f: SubscriberFilter): Promise<number> {
  if (!f.startDay && !f.endDay) {
    const counts = await countByStatus(deps, ctx);
    return f.status ? counts[f.status] : counts.total;
  }
  return (await cellsOf(deps, ctx, f)).reduce((sum, c) => sum + c.n, 0);
}

/** The rows of one block, in position order (status index, GSI1). */
async function rowsOfCell(deps: Db, ctx: ListContext, c: Cell): Promise<Item[]> {
  const items = await queryAll(deps.db, {
    TableName: deps.tableName,
    IndexName: 'GSI1',
    KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': keys.subscriberStatusPartition(ctx.list.listId, ctx.list.gen, c.shard, c.status),
      ':from': keys.subscriberGsiBlockStart(c.day, c.block),
      // The last position of the block, then any email.
      ':to': `${c.day}#${pad((c.block + 1) * INDEX_BLOCK - 1)}#\uffff`,
    },
  });
  return items.sort((a, b) => (String(a.GSI1SK) < String(b.GSI1SK) ? -1 : 1));
}

/**
 * `GET .../subscribers`: rows `offset` to `offset + limit - 1` of the filter, in index order.
 * Counters say which blocks hold them; only those blocks are read (at most limit + one block's
 * rows), in parallel.
 */
export async function listSubscribers(
  deps: Db,
  ctx: ListContext,
  f: SubscriberFilter & { offset: number; limit: number; groupId?: number },
): Promise<SubscriberRecord[]> {
  if (f.groupId !== undefined) return listGroupMembers(deps, ctx, { ...f, groupId: f.groupId });
  const cells = await cellsOf(deps, ctx, f);
  const wanted: { cell: Cell; skip: number }[] = [];
  let before = 0;
  for (const cell of cells) {
    if (before >= f.offset + f.limit) break;
    if (before + cell.n > f.offset) wanted.push({ cell, skip: Math.max(0, f.offset - before) });
    before += cell.n;
  }
  const pages = await Promise.all(wanted.map(async ({ cell, skip }) => (await rowsOfCell(deps, ctx, cell)).slice(skip)));
  return pages.flat().slice(0, f.limit).map(toSubscriberRecord);
}

/**
 * Our extra `groupId` filter (not in the reference): the group's members in email order, from
 * the membership items beside each subscriber, then the status and day filters. Its cost grows
 * with the group, not with the list (docs/data-model.md, pattern 11).
 */
async function listGroupMembers(
  deps: Db,
  ctx: ListContext,
  f: SubscriberFilter & { offset: number; limit: number; groupId: number },
): Promise<SubscriberRecord[]> {
  if (!ctx.groups.has(f.groupId)) throw new ApiError('GROUP_NOT_FOUND');
  const { listId, gen } = ctx.list;
  const perShard = await Promise.all(
    shards.map((shard) =>
      queryAll(deps.db, {
        TableName: deps.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.subscriberPartition(listId, gen, shard), ':prefix': keys.membershipPrefix(f.groupId) },
        ProjectionExpression: 'email',
      }),
    ),
  );
  const emails = perShard
    .flat()
    .map((i) => String(i.email))
    .sort();
  const filtered = f.status !== undefined || f.startDay !== undefined || f.endDay !== undefined;
  const fits = (r: SubscriberRecord) => {
    if (f.status && r.status !== f.status) return false;
    const day = kstDay(r.statusAt);
    return (!f.startDay || day >= f.startDay) && (!f.endDay || day <= f.endDay);
  };
  const out: SubscriberRecord[] = [];
  let matched = 0;
  // Unfiltered: the page is a slice of the sorted emails. Filtered: members are read in order, 100 a call, until the page is full.
  const candidates = filtered ? emails : emails.slice(f.offset, f.offset + f.limit);
  for (const part of chunk(candidates, 100)) {
    const found = await batchGet(deps.db, deps.tableName, part.map((e): Key => keys.subscriber(listId, gen, e)));
    const byEmail = new Map([...found.values()].map((i) => [String(i.email), toSubscriberRecord(i)]));
    for (const e of part) {
      const r = byEmail.get(e);
      if (!r || (filtered && !fits(r))) continue;
      if (filtered && matched++ < f.offset) continue;
      out.push(r);
      if (out.length === f.limit) return out;
    }
  }
  return out;
}

/**
 * A row of `GET .../subscribers`, as the page shows it: `email`, `status` S/D/A, `createdTime`
 * and `modifiedTime` in the service's format (the page's field list spells them
 * `created_time`/`modified_time` and its example `createdTime`/`modifiedTime`: both are sent),
 * `stb_ad_agreement`; besides, the list's custom-field values by tag and our `groupIds`.
 */
export function v1SubscriberRow(s: SubscriberRecord, fields: readonly CustomField[]): Record<string, unknown> {
  const created = serviceTime(s.createdAt);
  const modified = serviceTime(s.updatedAt);
  return {
    ...Object.fromEntries(fields.filter((fd) => fd.tag !== 'email' && fd.tag in s.fields).map((fd) => [fd.tag, s.fields[fd.tag]])),
    email: s.email,
    status: statusCodes[s.status],
    createdTime: created,
    modifiedTime: modified,
    created_time: created,
    modified_time: modified,
    stb_ad_agreement: s.adAgreed === 'Y',
    groupIds: s.groupIds,
  };
}
