/**
 * The public v2 API's subscriber operations (reference/stibee-api-v2_openapi.yml, "주소록 -
 * 구독자"; issue 13), on the same store as v1 (shared/subscribers/store.ts): every write goes
 * through applyMutations, so counters, webhooks and automated emails see v2 changes like v1's.
 * Rows are checked with v1's row checks (prepareRow); v2 adds its own: unknown field names are
 * refused, emails are at most 64 characters, a status must be given.
 */
import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ApiError, type ErrorCode } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import type { ListContext } from '#shared/lists/model';
import { uniquePhoneField } from '#shared/lists/fields';
import { kstSubscriberTime } from '#shared/http/kst-time';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import { prepareRow, type PreparedRow } from './subscribe';
import { applyMutations, eventContextFor, type Decision } from './store';
import { firstVersion, toSubscriberRecord, type SubscriberRecord } from './record';
import { statusOfV2, v2StatusOf, v2Statuses, type SubscriberStatus, type V2Status } from './status';
import { countsByShard } from './queries';
import { requestConfirmations } from './confirmation';
import { normalizeEmail } from './email';

/** The yml: "이메일 주소는 최대 64자까지 입력할 수 있습니다." */
export const V2_EMAIL_MAX = 64;
export const V2_BATCH_MAX = 1000;
export const V2_DELETE_MAX = 100;
export const V2_PAGE_MAX = 1000;

export interface V2SubscriberInput {
  email?: unknown;
  status?: unknown;
  marketingAllowed?: unknown;
  fields?: unknown;
}

/** The batch answer's buckets, as the yml's BatchSubscriberResponse names them. */
export const v2BatchBuckets = [
  'createdSubscribers',
  'updatedSubscribers',
  'failAlreadyExists',
  'failNoEmails',
  'failInvalidEmails',
  'failDuplicatedEmails',
  'failInvalidFields',
  'failInvalidSubscriberStatus',
] as const;
export type V2BatchBucket = (typeof v2BatchBuckets)[number];
export type V2BatchResult = Record<V2BatchBucket, string[]>;

type Checked =
  | { ok: true; row: PreparedRow; status: SubscriberStatus | undefined; marketing: 'Y' | 'N' | undefined }
  | { ok: false; bucket: V2BatchBucket; echo: string; error: ErrorCode; detail?: string };

const echoOf = (raw: unknown): string => (typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : JSON.stringify(raw));

const adAgreedOf = (value: unknown): 'Y' | 'N' | undefined =>
  value === true || value === 'Y' ? 'Y' : value === false || value === 'N' || value === '' ? 'N' : undefined;

/**
 * One subscriber of a v2 body, checked against the list's fields. `statusRequired`: the add and
 * batch bodies require `status` (subscribed | unsubscribed); double opt-in has none.
 */
export function checkV2Subscriber(input: V2SubscriberInput, ctx: ListContext, statusRequired: boolean): Checked {
  const echo = echoOf(input.email);
  if (input.email === undefined || input.email === null || (typeof input.email === 'string' && input.email.trim() === '')) {
    return { ok: false, bucket: 'failNoEmails', echo, error: 'SUBSCRIBER_INVALID_EMAIL', detail: 'email: required' };
  }
  if (typeof input.email === 'string' && normalizeEmail(input.email).length > V2_EMAIL_MAX) {
    return { ok: false, bucket: 'failInvalidEmails', echo, error: 'SUBSCRIBER_INVALID_EMAIL', detail: `email: ${V2_EMAIL_MAX}자 이하` };
  }
  let status: SubscriberStatus | undefined;
  if (statusRequired) {
    if (input.status !== 'subscribed' && input.status !== 'unsubscribed') {
      return { ok: false, bucket: 'failInvalidSubscriberStatus', echo, error: 'INVALID_REQUEST', detail: 'status: subscribed | unsubscribed' };
    }
    status = input.status;
  }
  const fields = input.fields ?? {};
  if (typeof fields !== 'object' || Array.isArray(fields) || fields === null) {
    return { ok: false, bucket: 'failInvalidFields', echo, error: 'SUBSCRIBER_INVALID_DATA', detail: 'fields: an object' };
  }
  const given = fields as Record<string, unknown>;
  const tags = new Set(ctx.list.fields.map((f) => f.tag));
  // Own keys only: `__proto__` and friends are names like any other, and unknown ones are refused.
  for (const name of Object.keys(given)) {
    if (name === '$ad_agreed') continue;
    if (name === 'email' || !tags.has(name)) return { ok: false, bucket: 'failInvalidFields', echo, error: 'SUBSCRIBER_UNKNOWN_FIELD', detail: `fields.${name}` };
  }
  const flat: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(given)) if (k !== '$ad_agreed') flat[k] = v;
  flat.email = input.email;
  const checked = prepareRow(flat, ctx.list.fields);
  if (!checked.ok) {
    if (checked.bucket === 'failNoEmail') return { ok: false, bucket: 'failNoEmails', echo, error: 'SUBSCRIBER_INVALID_EMAIL', detail: 'email: required' };
    if (checked.bucket === 'failWrongEmail') return { ok: false, bucket: 'failInvalidEmails', echo, error: 'SUBSCRIBER_INVALID_EMAIL' };
    return { ok: false, bucket: 'failInvalidFields', echo, error: 'SUBSCRIBER_INVALID_DATA' };
  }
  const marketing = input.marketingAllowed !== undefined ? adAgreedOf(input.marketingAllowed) : adAgreedOf(given.$ad_agreed);
  if ((input.marketingAllowed !== undefined || given.$ad_agreed !== undefined) && marketing === undefined) {
    return { ok: false, bucket: 'failInvalidFields', echo, error: 'SUBSCRIBER_INVALID_DATA', detail: 'marketingAllowed: a boolean' };
  }
  return { ok: true, row: checked.row, status, marketing };
}

/** Merges given values over stored ones; an empty string clears a field (as in v1). */
function mergeFields(stored: Record<string, string | number>, given: Record<string, string | number>) {
  const out = { ...stored };
  for (const [tag, value] of Object.entries(given)) {
    if (value === '') delete out[tag];
    else out[tag] = value;
  }
  return out;
}

type Outcome = 'created' | 'updated' | 'exists' | 'phoneTaken';

interface AddRow {
  row: PreparedRow;
  status: SubscriberStatus;
  marketing: 'Y' | 'N' | undefined;
}

function decideAdd(
  add: AddRow,
  current: SubscriberRecord | undefined,
  phoneOwner: (digits: string) => string | undefined,
  o: { updateEnabled: boolean; now: string; phoneTag: string | undefined },
): Decision<Outcome> {
  if (current && !o.updateEnabled) return { kind: 'none', result: 'exists' };
  const { row } = add;
  const phone = o.phoneTag && o.phoneTag in row.fields ? row.phoneDigits : current?.phoneDigits;
  if (phone && phone !== current?.phoneDigits) {
    const owner = phoneOwner(phone);
    if (owner && owner !== row.email) return { kind: 'none', result: 'phoneTaken' };
  }
  if (!current) {
    const next: SubscriberRecord = {
      email: row.email,
      status: add.status,
      fields: mergeFields({}, row.fields),
      adAgreed: add.marketing ?? 'N',
      groupIds: [],
      createdAt: o.now,
      updatedAt: o.now,
      statusAt: o.now,
      version: firstVersion(),
      ...(phone ? { phoneDigits: phone } : {}),
      addedBy: 'MANUAL',
    };
    return { kind: 'put', next, result: 'created' };
  }
  // "이메일 주소와 구독 상태 외의 다른 정보를 업데이트함": the status stays.
  const next: SubscriberRecord = {
    ...current,
    fields: mergeFields(current.fields, row.fields),
    adAgreed: add.marketing ?? current.adAgreed,
    updatedAt: o.now,
    version: current.version + 1,
    ...(phone ? { phoneDigits: phone } : {}),
  };
  if (!phone) delete next.phoneDigits;
  return { kind: 'put', next, result: 'updated' };
}

/**
 * `bulk`: a batch. Without `updateEnabled` a stored subscriber is left as it is, so the batch's
 * creates go out without reading the subscribers first ('assumeAbsent'): a new one costs no read,
 * a stored one cancels its transaction and is read on the retry (docs/data-model.md).
 */
async function applyAdds(deps: Deps, ctx: ListContext, adds: readonly AddRow[], updateEnabled: boolean, bulk = false) {
  const now = deps.clock.now().toISOString();
  const byEmail = new Map(adds.map((a) => [a.row.email, a]));
  const phones = new Map(adds.filter((a) => a.row.phoneDigits).map((a) => [a.row.email, a.row.phoneDigits!]));
  const o = { updateEnabled, now, phoneTag: uniquePhoneField(ctx.list.fields)?.tag };
  // A new subscriber's record, decided once: a retry after a cancelled transaction writes the
  // record whose size was checked before the first write (its random first version included).
  const created = new Map<string, SubscriberRecord>();
  return applyMutations<Outcome>(
    deps,
    ctx.list,
    [...byEmail.keys()],
    ({ email, current, phoneOwner }) => {
      const decision = decideAdd(byEmail.get(email)!, current, phoneOwner, o);
      if (current || decision.kind !== 'put') return decision;
      const first = created.get(email);
      if (first) return { ...decision, next: first };
      created.set(email, decision.next);
      return decision;
    },
    phones,
    eventContextFor(ctx, 'MANUAL', now),
    bulk && !updateEnabled ? 'assumeAbsent' : 'readFirst',
  );
}

/** POST /v2/lists/{id}/subscribers/batch: at most 1,000 subscribers, each landing in one bucket. */
export async function batchAdd(deps: Deps, ctx: ListContext, subscribers: readonly V2SubscriberInput[], updateEnabled: boolean): Promise<V2BatchResult> {
  if (subscribers.length > V2_BATCH_MAX) throw new ApiError('SUBSCRIBERS_BATCH_LIMIT', `${subscribers.length}`);
  const result = Object.fromEntries(v2BatchBuckets.map((b) => [b, [] as string[]])) as unknown as V2BatchResult;
  const adds: AddRow[] = [];
  const seen = new Set<string>();
  for (const input of subscribers) {
    const checked = checkV2Subscriber(input ?? {}, ctx, true);
    if (!checked.ok) {
      result[checked.bucket].push(checked.echo);
      continue;
    }
    if (seen.has(checked.row.email)) {
      result.failDuplicatedEmails.push(checked.row.email);
      continue;
    }
    seen.add(checked.row.email);
    adds.push({ row: checked.row, status: checked.status!, marketing: checked.marketing });
  }
  const outcomes = await applyAdds(deps, ctx, adds, updateEnabled, true);
  const bucketOf: Record<Outcome, V2BatchBucket> = {
    created: 'createdSubscribers',
    updated: 'updatedSubscribers',
    exists: 'failAlreadyExists',
    phoneTaken: 'failInvalidFields',
  };
  for (const add of adds) result[bucketOf[outcomes.get(add.row.email)!.result]].push(add.row.email);
  return result;
}

/** POST /v2/lists/{id}/subscribers: 'created' (200 ok) or 'updated' (201 ok); every refusal is an error. */
export async function addOne(deps: Deps, ctx: ListContext, input: V2SubscriberInput, updateEnabled: boolean): Promise<'created' | 'updated'> {
  const checked = checkV2Subscriber(input, ctx, true);
  if (!checked.ok) throw new ApiError(checked.error, checked.detail);
  const outcome = (await applyAdds(deps, ctx, [{ row: checked.row, status: checked.status!, marketing: checked.marketing }], updateEnabled)).get(checked.row.email)!.result;
  if (outcome === 'exists') throw new ApiError('SUBSCRIBER_ALREADY_EXISTS');
  if (outcome === 'phoneTaken') throw new ApiError('SUBSCRIBER_INVALID_DATA', 'phone: 이미 다른 구독자가 사용 중인 전화번호입니다');
  return outcome;
}

/**
 * POST /v2/lists/{id}/subscribers/double-optin: the subscriber is added `ready` (구독 대기) and
 * mailed a confirmation link; following it makes them subscribed (shared/subscribers/confirmation.ts).
 */
export async function doubleOptIn(deps: Deps, ctx: ListContext, input: V2SubscriberInput): Promise<void> {
  const checked = checkV2Subscriber({ email: input.email, fields: input.fields }, ctx, false);
  if (!checked.ok) throw new ApiError(checked.error, checked.detail);
  const outcome = (await applyAdds(deps, ctx, [{ row: checked.row, status: 'ready', marketing: checked.marketing }], false)).get(checked.row.email)!.result;
  if (outcome === 'exists') throw new ApiError('SUBSCRIBER_ALREADY_EXISTS');
  if (outcome === 'phoneTaken') throw new ApiError('SUBSCRIBER_INVALID_DATA', 'phone: 이미 다른 구독자가 사용 중인 전화번호입니다');
  await requestConfirmations(deps, ctx, [checked.row], { eventOccurredBy: 'MANUAL', groupIds: [], confirmsReady: true });
}

/** PUT /v2/lists/{id}/subscribers/{subscriber}: custom-field values only; the status stays. */
export async function updateFields(deps: Deps, ctx: ListContext, rawEmail: string, fields: unknown): Promise<void> {
  const checked = checkV2Subscriber({ email: rawEmail, fields }, ctx, false);
  if (!checked.ok) throw new ApiError(checked.error === 'SUBSCRIBER_INVALID_EMAIL' ? 'SUBSCRIBER_NOT_FOUND' : checked.error, checked.detail);
  const now = deps.clock.now().toISOString();
  const phoneTag = uniquePhoneField(ctx.list.fields)?.tag;
  const { row } = checked;
  const outcome = (
    await applyMutations<Outcome | 'missing'>(
      deps,
      ctx.list,
      [row.email],
      ({ current, phoneOwner }) =>
        current
          ? decideAdd({ row, status: current.status, marketing: checked.marketing }, current, phoneOwner, { updateEnabled: true, now, phoneTag })
          : { kind: 'none', result: 'missing' },
      row.phoneDigits ? new Map([[row.email, row.phoneDigits]]) : new Map(),
      eventContextFor(ctx, 'MANUAL', now),
    )
  ).get(row.email)!.result;
  if (outcome === 'missing') throw new ApiError('SUBSCRIBER_NOT_FOUND');
  if (outcome === 'phoneTaken') throw new ApiError('SUBSCRIBER_INVALID_DATA', 'phone: 이미 다른 구독자가 사용 중인 전화번호입니다');
}

/** POST /v2/lists/{id}/subscribers/{email}/unsubscribe: already unsubscribed (or auto-deleted) is ok; unknown is refused. */
export async function unsubscribeOne(deps: Deps, ctx: ListContext, rawEmail: string): Promise<void> {
  const email = normalizeEmail(rawEmail);
  const now = deps.clock.now().toISOString();
  const outcome = (
    await applyMutations<'missing' | 'done'>(
      deps,
      ctx.list,
      [email],
      ({ current }) => {
        if (!current) return { kind: 'none', result: 'missing' };
        if (current.status !== 'subscribed' && current.status !== 'ready') return { kind: 'none', result: 'done' };
        return { kind: 'put', next: { ...current, status: 'unsubscribed', updatedAt: now, version: current.version + 1 }, result: 'done' };
      },
      new Map(),
      eventContextFor(ctx, 'MANUAL', now),
    )
  ).get(email)!.result;
  if (outcome === 'missing') throw new ApiError('SUBSCRIBER_NOT_FOUND');
}

/** `statuses=subscribed,ready`: the yml's words, mapped onto ours; absent or empty: all four. */
export function parseStatuses(raw: string | undefined): SubscriberStatus[] {
  if (raw === undefined || raw.trim() === '') return v2Statuses.map((s) => statusOfV2[s]);
  const out = new Set<SubscriberStatus>();
  for (const word of raw.split(',').map((w) => w.trim()).filter(Boolean)) {
    if (!(v2Statuses as readonly string[]).includes(word)) throw new ApiError('INVALID_REQUEST', `statuses: ${v2Statuses.join(', ')}`);
    out.add(statusOfV2[word as V2Status]);
  }
  return [...out];
}

/** GET /v2/lists/{id}/subscribers/count → `{total}` of the given statuses, from the shard counters. */
export async function countV2(deps: Deps, ctx: ListContext, statuses: readonly SubscriberStatus[]): Promise<{ total: number }> {
  let total = 0;
  for (const shard of await countsByShard(deps, ctx.list.listId, ctx.list.gen)) for (const s of statuses) total += shard[s];
  return { total };
}

export interface V2SubscriberView {
  email: string;
  status: V2Status;
  fields: Record<string, string>;
  createdTime: string;
  modifiedTime: string;
  /** Beyond the yml: the subscriber's group ids. */
  groupIds: number[];
}

export const v2View = (s: SubscriberRecord, ctx: ListContext): V2SubscriberView => {
  const fields: Record<string, string> = {};
  for (const f of ctx.list.fields) if (f.tag !== 'email' && f.tag in s.fields) fields[f.tag] = String(s.fields[f.tag]);
  // The original shows "not agreed" as an empty string (the yml's example).
  fields.$ad_agreed = s.adAgreed === 'Y' ? 'Y' : '';
  return {
    email: s.email,
    status: v2StatusOf[s.status],
    fields,
    createdTime: kstSubscriberTime(s.createdAt),
    modifiedTime: kstSubscriberTime(s.updatedAt),
    groupIds: s.groupIds,
  };
};

/**
 * GET /v2/lists/{id}/subscribers: newest status change first over the status index (GSI1) of
 * every shard and status asked for, `offset` rows skipped. Each partition is read only as far as offset + limit
 * (at most), never the whole list; deep offsets cost their depth (docs/data-model.md).
 */
export async function pageV2(
  deps: Deps,
  ctx: ListContext,
  options: { statuses: readonly SubscriberStatus[]; offset: number; limit: number },
): Promise<V2SubscriberView[]> {
  if (options.limit > V2_PAGE_MAX) throw new ApiError('SUBSCRIBERS_PAGE_LIMIT', `limit=${options.limit}`);
  const { listId, gen } = ctx.list;
  const want = options.offset + options.limit;
  const partitions = options.statuses.flatMap((status) => Array.from({ length: SUBSCRIBER_SHARDS }, (_, shard) => keys.subscriberStatusPartition(listId, gen, shard, status)));
  const perPartition = await Promise.all(
    partitions.map(async (pk) => {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const res: QueryCommandOutput = await deps.db.send(
          new QueryCommand({
            TableName: deps.tableName,
            IndexName: 'GSI1',
            KeyConditionExpression: 'GSI1PK = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            ScanIndexForward: false,
            Limit: want - items.length,
            ExclusiveStartKey: start,
          }),
        );
        items.push(...(res.Items ?? []));
        start = res.LastEvaluatedKey;
      } while (start && items.length < want);
      return items;
    }),
  );
  // Each partition comes in the order its subscribers entered the status (the status index's
  // per-shard positions, docs/data-model.md); across partitions that order is the time they did.
  const entered = (i: Record<string, unknown>) => `${String(i.statusAt ?? i.createdAt)}#${String(i.email)}`;
  const merged = perPartition.flat().sort((a, b) => (entered(a) < entered(b) ? 1 : entered(a) > entered(b) ? -1 : 0));
  return merged.slice(options.offset, want).map((i) => v2View(toSubscriberRecord(i), ctx));
}
