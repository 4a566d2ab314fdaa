/**
 * SPEC M1: the unsubscribe link of every marketing email and the RFC 8058 one-click headers.
 * Tokens are sealed for this purpose (shared/signer.ts) and name the workspace, list and email,
 * unreadable in the URL; following one unsubscribes at once and again is harmless.
 */
import type { Deps } from '#shared/runtime/deps';
import { loadListContext } from '#shared/lists/model';
import { applyMutations, eventContextFor } from './store';

export const UNSUBSCRIBE_PATH = '/v1/subscriptions/unsubscribe';
/** Links stay valid a year: people unsubscribe from old emails too. */
const LINK_DAYS = 365;

interface LinkPayload {
  w: string;
  l: number;
  e: string;
}

function parseLinkPayload(raw: string): LinkPayload | undefined {
  try {
    const p = JSON.parse(raw) as unknown;
    if (!p || typeof p !== 'object') return undefined;
    const { w, l, e } = p as Record<string, unknown>;
    return typeof w === 'string' && typeof l === 'number' && typeof e === 'string' ? { w, l, e } : undefined;
  } catch {
    return undefined;
  }
}

/** An old signed token is an unsubscribe link's only if it has exactly that shape (a tracking token also names w, l, e). */
const isLinkPayload = (raw: string) => {
  try {
    const p = JSON.parse(raw) as Record<string, unknown>;
    return parseLinkPayload(raw) !== undefined && Object.keys(p).length === 3;
  } catch {
    return false;
  }
};

export function unsubscribeUrl(deps: Pick<Deps, 'signer' | 'publicBaseUrl' | 'clock'>, workspaceId: string, listId: number, email: string): string {
  const expires = Math.floor(deps.clock.now().getTime() / 1000) + LINK_DAYS * 86_400;
  const token = deps.signer.sign('unsubscribe', JSON.stringify({ w: workspaceId, l: listId, e: email } satisfies LinkPayload), expires);
  return `${deps.publicBaseUrl}${UNSUBSCRIBE_PATH}?token=${encodeURIComponent(token)}`;
}

/** RFC 2369 / RFC 8058 headers for a message to `email` from list `listId`. */
export function listUnsubscribeHeaders(deps: Pick<Deps, 'signer' | 'publicBaseUrl' | 'clock'>, workspaceId: string, listId: number, email: string) {
  return {
    'List-Unsubscribe': `<${unsubscribeUrl(deps, workspaceId, listId, email)}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

export type UnsubscribeOutcome = 'unsubscribed' | 'already' | 'invalid';

export async function unsubscribeByLink(deps: Deps, token: string, reason?: string): Promise<UnsubscribeOutcome> {
  const now = deps.clock.now();
  const raw = deps.signer.verify('unsubscribe', token, Math.floor(now.getTime() / 1000), isLinkPayload);
  if (!raw) return 'invalid';
  const payload = parseLinkPayload(raw);
  if (!payload) return 'invalid';
  let ctx;
  try {
    ctx = await loadListContext(deps, payload.w, payload.l);
  } catch {
    return 'invalid';
  }
  const nowIso = now.toISOString();
  const trimmed = reason?.trim().slice(0, 500) || undefined;
  const outcomes = await applyMutations(
    deps,
    ctx.list,
    [payload.e],
    ({ current }) =>
      current?.status === 'subscribed'
        ? { kind: 'put', next: { ...current, status: 'unsubscribed', updatedAt: nowIso, version: current.version + 1 }, result: true }
        : { kind: 'none', result: false },
    new Map(),
    eventContextFor(ctx, 'SUBSCRIBER', nowIso, trimmed),
  );
  return outcomes.get(payload.e)?.result ? 'unsubscribed' : 'already';
}
