/**
 * How the v1 address-book API writes statuses, days and times
 * (reference/api-webhook_list-api_2024-04-18.md): statuses as S/D/A, days as YYYYMMDD and
 * times in Korean time, the service's only time zone.
 */
import type { SubscriberStatus, v1Statuses } from './status';

const KST_OFFSET_MS = 9 * 3_600_000;

/** `ready` (v2's double opt-in, waiting for its link) has no v1 code: the look-ups never show it and a result-bucket row says "". */
export const statusCodes: Record<SubscriberStatus, 'S' | 'D' | 'A' | ''> = { subscribed: 'S', unsubscribed: 'D', autoDeleted: 'A', ready: '' };
export const statusOfCode: Record<'S' | 'D' | 'A', (typeof v1Statuses)[number]> = { S: 'subscribed', D: 'unsubscribed', A: 'autoDeleted' };

/** The wall clock in Korea of an instant, as `YYYY-MM-DDThh:mm:ss` parts. */
function kstParts(iso: string): { date: string; time: string } {
  const shifted = new Date(Date.parse(iso) + KST_OFFSET_MS).toISOString();
  return { date: shifted.slice(0, 10), time: shifted.slice(11, 19) };
}

/** The day (KST) an instant falls on, `YYYYMMDD`: the look-ups' startDate/endDate unit. */
export const kstDay = (iso: string): string => kstParts(iso).date.replace(/-/g, '');

/** `2024-03-01 16:58:52 +0900 KST`: subscriber times in the look-up rows and result buckets. */
export function serviceTime(iso: string): string {
  const { date, time } = kstParts(iso);
  return `${date} ${time} +0900 KST`;
}

/** `2020-03-03T23:44:57+09:00`: list and group `createdTime`. */
export function offsetTime(iso: string): string {
  const { date, time } = kstParts(iso);
  return `${date}T${time}+09:00`;
}

/** A `YYYYMMDD` that names a real day, or null. */
export function parseDay(text: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? text : null;
}

/**
 * A date-time value as callers of the original send it: `yyyy-MM-dd HH:mm:ss` (or without
 * seconds, or `T` between) in Korean time, or ISO 8601 with its own offset. Null if it does not
 * parse into a real instant.
 */
export function parseDateTime(text: string): Date | null {
  const m = /^(\d{4})[-./](\d{2})[-./](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, Number((m[7] ?? '0').padEnd(3, '0')));
  const check = new Date(wall);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  const zone = m[8];
  let offsetMs = KST_OFFSET_MS;
  if (zone === 'Z') offsetMs = 0;
  else if (zone) {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    offsetMs = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  return new Date(wall - offsetMs);
}
