/**
 * SPEC L4: add or update subscribers of a list, each row landing in one result bucket.
 * Request-level problems (unknown list or group, too many rows for a confirmation email) are
 * refused before anything is written; row-level problems only fail their row.
 */
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import { checkFieldValue, uniquePhoneField, type CustomField } from '#shared/lists/fields';
import type { ListContext } from '#shared/lists/model';
import { isValidEmail, normalizeEmail } from './email';
import { normalizePhone } from './phone';
import { applyMutations, eventContextFor, type Decision } from './store';
import { firstVersion, type EventOccurredBy, type SubscriberRecord } from './record';
import { serviceTime, statusCodes } from './v1-format';
import { emptySubscribeResult, type SubscribeBucket, type SubscribeResult } from './buckets';
import { requestConfirmations } from './confirmation';

export const CONFIRMATION_MAX_SUBSCRIBERS = 10;

export interface SubscribeRequest {
  eventOccurredBy: EventOccurredBy;
  confirmEmailYN: 'Y' | 'N';
  groupIds: number[];
  subscribers: Record<string, unknown>[];
}

/** A row that passed its own checks, ready to be decided against the stored subscriber. */
export interface PreparedRow {
  email: string;
  /** What the response echoes: the row as sent, email normalized. */
  echo: Record<string, unknown>;
  fields: Record<string, string | number>;
  /** Present only when `$ad_agreed` is Y or N. */
  adAgreed?: 'Y' | 'N';
  phoneDigits?: string;
}

const fieldBuckets = { phone: 'failWrongPhone', datetime: 'failValidationDateTime', validation: 'failValidation' } as const;

type RowCheck = { ok: true; row: PreparedRow } | { ok: false; bucket: SubscribeBucket; echo: Record<string, unknown> };

export function prepareRow(raw: Record<string, unknown>, fields: readonly CustomField[]): RowCheck {
  const echo: Record<string, unknown> = { ...raw };
  const rawEmail = raw.email;
  if (rawEmail === undefined || rawEmail === null || (typeof rawEmail === 'string' && rawEmail.trim() === '')) {
    return { ok: false, bucket: 'failNoEmail', echo };
  }
  if (typeof rawEmail !== 'string') return { ok: false, bucket: 'failWrongEmail', echo };
  const email = normalizeEmail(rawEmail);
  if (!isValidEmail(email)) return { ok: false, bucket: 'failWrongEmail', echo };
  echo.email = email;

  const values: Record<string, string | number> = {};
  const phoneField = uniquePhoneField(fields);
  let phoneDigits: string | undefined;
  for (const field of fields) {
    if (field.tag === 'email' || !(field.tag in raw)) continue;
    const checked = checkFieldValue(field, raw[field.tag]);
    if (!checked.ok) return { ok: false, bucket: fieldBuckets[checked.kind], echo };
    values[field.tag] = checked.value;
    if (field === phoneField && checked.value !== '') phoneDigits = normalizePhone(String(checked.value)) ?? undefined;
  }
  // Y/N as documented; JSON true/false as callers' typed clients send it (issue 13).
  const ad = raw.$ad_agreed;
  const adAgreed = ad === 'Y' || ad === true ? 'Y' : ad === 'N' || ad === false ? 'N' : undefined;
  return { ok: true, row: { email, echo, fields: values, ...(adAgreed ? { adAgreed } : {}), ...(phoneDigits ? { phoneDigits } : {}) } };
}

/** Merges given values over stored ones; an empty string clears a field. */
function mergeFields(stored: Record<string, string | number>, given: Record<string, string | number>) {
  const out = { ...stored };
  for (const [tag, value] of Object.entries(given)) {
    if (value === '') delete out[tag];
    else out[tag] = value;
  }
  return out;
}

/** The stored phone after applying a row: the row's if it names the phone field, else the stored one. */
function phoneAfter(row: PreparedRow, current: SubscriberRecord | undefined, phoneTag: string | undefined) {
  if (phoneTag && phoneTag in row.fields) return row.phoneDigits;
  return current?.phoneDigits;
}

export interface DecideOptions {
  eventOccurredBy: EventOccurredBy;
  groupIds: number[];
  now: string;
  phoneTag: string | undefined;
}

/** SPEC L4's table: what happens to one valid row given the stored subscriber. */
export function decideRow(
  row: PreparedRow,
  current: SubscriberRecord | undefined,
  phoneOwner: (digits: string) => string | undefined,
  o: DecideOptions,
): Decision<SubscribeBucket> {
  const phone = phoneAfter(row, current, o.phoneTag);
  if (phone && phone !== current?.phoneDigits) {
    const owner = phoneOwner(phone);
    if (owner && owner !== row.email) return { kind: 'none', result: 'failExistPhone' };
  }
  const groupIds = [...new Set([...(current?.groupIds ?? []), ...o.groupIds])];
  if (!current) {
    const next: SubscriberRecord = {
      email: row.email,
      status: 'subscribed',
      fields: mergeFields({}, row.fields),
      adAgreed: row.adAgreed ?? 'N',
      groupIds,
      createdAt: o.now,
      updatedAt: o.now,
      statusAt: o.now,
      version: firstVersion(),
      ...(phone ? { phoneDigits: phone } : {}),
      addedBy: o.eventOccurredBy,
    };
    return { kind: 'put', next, result: 'success' };
  }
  if (o.eventOccurredBy === 'SUBSCRIBER' && current.status === 'subscribed') {
    return { kind: 'none', result: 'failExistEmail' };
  }
  const resubscribe = o.eventOccurredBy === 'SUBSCRIBER';
  const next: SubscriberRecord = {
    ...current,
    status: resubscribe ? 'subscribed' : current.status,
    fields: mergeFields(current.fields, row.fields),
    adAgreed: row.adAgreed ?? current.adAgreed,
    groupIds,
    updatedAt: o.now,
    version: current.version + 1,
    ...(phone ? { phoneDigits: phone } : {}),
  };
  if (!phone) delete next.phoneDigits;
  return { kind: 'put', next, result: resubscribe ? 'success' : 'update' };
}

export async function subscribe(
  deps: Deps,
  ctx: ListContext,
  request: SubscribeRequest,
): Promise<SubscribeResult> {
  for (const g of request.groupIds) {
    if (!ctx.groups.has(g)) throw new ApiError('GROUP_NOT_FOUND', `groupId=${g}`);
  }
  if (request.confirmEmailYN === 'Y' && request.subscribers.length > CONFIRMATION_MAX_SUBSCRIBERS) {
    throw new ApiError('LIST_CONFIRM_LIMIT_EXCEEDED');
  }
  const result = emptySubscribeResult();
  const rowsOf = new Map<SubscribeBucket, { echo: Record<string, unknown>; email?: string; ad?: 'Y' | 'N' }[]>();
  const place = (bucket: SubscribeBucket, echo: Record<string, unknown>, email?: string, ad?: 'Y' | 'N') =>
    rowsOf.set(bucket, [...(rowsOf.get(bucket) ?? []), { echo, ...(email ? { email } : {}), ...(ad ? { ad } : {}) }]);
  const prepared: PreparedRow[] = [];
  const seenEmails = new Set<string>();
  const seenPhones = new Set<string>();
  for (const raw of request.subscribers) {
    const checked = prepareRow(raw, ctx.list.fields);
    if (!checked.ok) {
      place(checked.bucket, checked.echo);
      continue;
    }
    const { row } = checked;
    if (seenEmails.has(row.email)) {
      place('failDuplicatedEmail', row.echo, row.email, row.adAgreed);
      continue;
    }
    if (row.phoneDigits && seenPhones.has(row.phoneDigits)) {
      place('failDuplicatedPhone', row.echo, row.email, row.adAgreed);
      continue;
    }
    seenEmails.add(row.email);
    if (row.phoneDigits) seenPhones.add(row.phoneDigits);
    prepared.push(row);
  }

  const options: DecideOptions = {
    eventOccurredBy: request.eventOccurredBy,
    groupIds: request.groupIds,
    now: deps.clock.now().toISOString(),
    phoneTag: uniquePhoneField(ctx.list.fields)?.tag,
  };
  const events = eventContextFor(ctx, request.eventOccurredBy, options.now);
  const stored = new Map<string, SubscriberRecord>();
  const rows = new Map(prepared.map((r) => [r.email, r]));
  const phones = new Map(prepared.filter((r) => r.phoneDigits).map((r) => [r.email, r.phoneDigits!]));

  if (request.confirmEmailYN === 'Y') {
    // Rows that would add or resubscribe wait for their link; field updates of present subscribers apply now.
    const toConfirm: PreparedRow[] = [];
    const outcomes = await applyMutations<SubscribeBucket>(deps, ctx.list, [...rows.keys()], ({ email, current, phoneOwner }) => {
      const decision = decideRow(rows.get(email)!, current, phoneOwner, options);
      if (decision.kind === 'put' && decision.result === 'success') {
        toConfirm.push(rows.get(email)!);
        return { kind: 'none', result: 'success' };
      }
      return decision;
    }, phones, events);
    // A row whose confirmation email could not be sent is not waiting for anything (issue 12).
    const unsent = await requestConfirmations(deps, ctx, toConfirm, request);
    for (const row of prepared) place(unsent.has(row.email) ? 'failUnknown' : outcomes.get(row.email)!.result, row.echo, row.email, row.adAgreed);
    for (const [email, o] of outcomes) if (o.after ?? o.before) stored.set(email, (o.after ?? o.before)!);
  } else {
    const outcomes = await applyMutations(
      deps,
      ctx.list,
      [...rows.keys()],
      ({ email, current, phoneOwner }) => decideRow(rows.get(email)!, current, phoneOwner, options),
      phones,
      events,
    );
    for (const row of prepared) place(outcomes.get(row.email)!.result, row.echo, row.email, row.adAgreed);
    for (const [email, o] of outcomes) if (o.after ?? o.before) stored.set(email, (o.after ?? o.before)!);
  }

  // The original refuses a lone already-subscribed SUBSCRIBER row as an error (seed 002).
  if (request.subscribers.length === 1 && rowsOf.get('failExistEmail')?.length === 1) {
    throw new ApiError('LIST_ALREADY_SUBSCRIBED');
  }
  for (const [bucket, rows] of rowsOf) {
    for (const r of rows) result[bucket].push(bucketRow(r.echo, r.email ? stored.get(r.email) : undefined, { eventOccurredBy: request.eventOccurredBy, now: options.now, ad: r.ad }));
  }
  return result;
}

/**
 * A result-bucket row: the row as sent (email normalised) and what callers' strict decoders
 * read besides (issue 13): `$type` how the subscriber was added (MANUAL | SUBSCRIBER), `$status`
 * S/D/A as in the look-ups, `$createdTime` / `$modifiedTime` in the service's time format, and
 * `stb_ad_agreement`. A row with no stored subscriber (a refused row, a double opt-in waiting
 * for its link) has `$status` "" and the request's time and consent.
 */
export function bucketRow(
  echo: Record<string, unknown>,
  stored: SubscriberRecord | undefined,
  fallback: { eventOccurredBy: EventOccurredBy; now: string; ad: 'Y' | 'N' | undefined },
): Record<string, unknown> {
  return {
    ...echo,
    $type: stored?.addedBy ?? fallback.eventOccurredBy,
    $status: stored ? statusCodes[stored.status] : '',
    $createdTime: serviceTime(stored?.createdAt ?? fallback.now),
    $modifiedTime: serviceTime(stored?.updatedAt ?? fallback.now),
    stb_ad_agreement: (stored?.adAgreed ?? fallback.ad) === 'Y',
  };
}
