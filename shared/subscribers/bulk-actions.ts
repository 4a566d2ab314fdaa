/**
 * SPEC L5-L7: delete for good, unsubscribe, group assign and release. Each takes an array of
 * emails; unknown or malformed emails land in the fail bucket, never failing the request.
 */
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import type { ListContext } from '#shared/lists/model';
import { isValidEmail, normalizeEmail } from './email';
import { applyMutations, eventContextFor, type Decision } from './store';

/** Each body element: its normalized email when valid, or how it is echoed in the fail bucket. */
type Entry = { email: string; valid: true } | { echo: string; valid: false };

function parseEntries(raw: readonly unknown[]): Entry[] {
  return raw.map((value) => {
    const email = typeof value === 'string' ? normalizeEmail(value) : '';
    return email && isValidEmail(email)
      ? { email, valid: true as const }
      : { echo: typeof value === 'string' ? value : JSON.stringify(value), valid: false as const };
  });
}

/** Applies `decide` to the body's emails; both buckets keep the body's order, repeated emails once. */
async function run(
  deps: Pick<Deps, 'db' | 'tableName' | 'clock'>,
  ctx: ListContext,
  raw: readonly unknown[],
  decide: Parameters<typeof applyMutations<boolean>>[3],
): Promise<{ ok: string[]; failed: string[] }> {
  const entries = parseEntries(raw);
  const emails = [...new Set(entries.flatMap((e) => (e.valid ? [e.email] : [])))];
  // The address-book API acts for an admin: MANUAL (SPEC L10).
  const events = eventContextFor(ctx, 'MANUAL', deps.clock.now().toISOString());
  const outcomes = await applyMutations(deps, ctx.list, emails, decide, new Map(), events);
  const ok: string[] = [];
  const failed: string[] = [];
  const reported = new Set<string>();
  for (const entry of entries) {
    if (!entry.valid) {
      failed.push(entry.echo);
      continue;
    }
    if (reported.has(entry.email)) continue;
    reported.add(entry.email);
    (outcomes.get(entry.email)?.result ? ok : failed).push(entry.email);
  }
  return { ok, failed };
}

const skip: Decision<boolean> = { kind: 'none', result: false };

/** L5: removes subscribers and everything stored with them (memberships, phone guard). */
export async function deleteSubscribers(deps: Deps, ctx: ListContext, emails: readonly unknown[]) {
  const { ok, failed } = await run(deps, ctx, emails, ({ current }) =>
    current ? { kind: 'delete', result: true } : skip,
  );
  return { success: ok, fail: failed };
}

/** L6: subscribed → unsubscribed; any other status or an unknown email fails. */
export async function unsubscribeSubscribers(deps: Deps, ctx: ListContext, emails: readonly unknown[]) {
  const now = deps.clock.now().toISOString();
  const { ok, failed } = await run(deps, ctx, emails, ({ current }) =>
    current?.status === 'subscribed'
      ? { kind: 'put', next: { ...current, status: 'unsubscribed', updatedAt: now, version: current.version + 1 }, result: true }
      : skip,
  );
  return { success: ok, failOrAlreadyUnsubscribe: failed };
}

/** L7: adds subscribers (any status) to a group of the list; already-members count as success. */
export async function assignGroup(deps: Deps, ctx: ListContext, groupId: number, emails: readonly unknown[]) {
  if (!ctx.groups.has(groupId)) throw new ApiError('GROUP_NOT_FOUND', `groupId=${groupId}`);
  const now = deps.clock.now().toISOString();
  const { ok, failed } = await run(deps, ctx, emails, ({ current }) => {
    if (!current) return skip;
    if (current.groupIds.includes(groupId)) return { kind: 'none', result: true };
    return {
      kind: 'put',
      next: { ...current, groupIds: [...current.groupIds, groupId], updatedAt: now, version: current.version + 1 },
      result: true,
    };
  });
  return { success: ok, fail: failed };
}

/** L7: removes subscribers from a group; a subscriber not in it fails. */
export async function releaseGroup(deps: Deps, ctx: ListContext, groupId: number, emails: readonly unknown[]) {
  if (!ctx.groups.has(groupId)) throw new ApiError('GROUP_NOT_FOUND', `groupId=${groupId}`);
  const now = deps.clock.now().toISOString();
  const { ok, failed } = await run(deps, ctx, emails, ({ current }) => {
    if (!current || !current.groupIds.includes(groupId)) return skip;
    return {
      kind: 'put',
      next: { ...current, groupIds: current.groupIds.filter((g) => g !== groupId), updatedAt: now, version: current.version + 1 },
      result: true,
    };
  });
  return { success: ok, fail: failed };
}
