import { randomInt } from 'node:crypto';
import type { SubscriberStatus } from './status';

export type EventOccurredBy = 'MANUAL' | 'SUBSCRIBER';

/** A subscriber of one list generation, as stored (one item per email per list). */
export interface SubscriberRecord {
  email: string;
  status: SubscriberStatus;
  /** Custom-field values by tag, `email` excluded. */
  fields: Record<string, string | number>;
  /** `$ad_agreed`: advertising consent, Y or N (N shows as empty in the original). */
  adAgreed: 'Y' | 'N';
  groupIds: number[];
  /** Subscription date (구독일): when the subscriber was first added to the list. */
  createdAt: string;
  updatedAt: string;
  /**
   * When the subscriber entered its current status (the look-ups' startDate/endDate filter on
   * its day). Kept by the store: set to `updatedAt` whenever the status changes.
   */
  statusAt: string;
  /** Its entry in the status index: KST day of `statusAt` and position in the (status, shard) sequence. Set by the store. */
  index?: { day: string; pos: number };
  /** Optimistic-concurrency counter: every write is conditioned on the version it read. */
  version: number;
  /** Digits of the unique phone field, when given (guarded by a uniqueness item). */
  phoneDigits?: string;
  addedBy: EventOccurredBy;
}

export const toSubscriberRecord = (item: Record<string, unknown>): SubscriberRecord => ({
  email: String(item.email),
  status: item.status as SubscriberStatus,
  fields: (item.fields ?? {}) as Record<string, string | number>,
  adAgreed: item.adAgreed === 'Y' ? 'Y' : 'N',
  groupIds: ((item.groupIds ?? []) as unknown[]).map(Number),
  createdAt: String(item.createdAt),
  updatedAt: String(item.updatedAt),
  statusAt: String(item.statusAt ?? item.createdAt),
  ...(isIndex(item.index) ? { index: { day: item.index.day, pos: Number(item.index.pos) } } : {}),
  version: Number(item.version ?? 0),
  ...(item.phoneDigits ? { phoneDigits: String(item.phoneDigits) } : {}),
  addedBy: item.addedBy === 'SUBSCRIBER' ? 'SUBSCRIBER' : 'MANUAL',
});

const isIndex = (v: unknown): v is { day: string; pos: number } =>
  typeof v === 'object' && v !== null && typeof (v as { day?: unknown }).day === 'string' && (v as { pos?: unknown }).pos !== undefined;

/**
 * The version a new subscriber item starts at. Random, not 1: a subscriber deleted and added
 * again must not come back with the version a stale reader holds, or that reader's conditional
 * write (`version = :v`) would pass against the new item (ABA) and, for one, leave a group in
 * `groupIds` without its membership item.
 */
export const firstVersion = (): number => randomInt(1, 2 ** 40);
