/**
 * SPEC A7: opens (a 1x1 pixel) and clicks (a redirect) of automated emails, through signed
 * tokens. Each counts in the dashboard (total and unique) and becomes a fact that other automated
 * emails' open and click triggers react to. A bad token still gets its pixel or, for a click, a
 * plain error page: a mail client must never show a broken image because of us.
 */
import { writeIf } from '#shared/db/conditional';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import { addStats } from './automations';
import { emitEmailFacts } from './dispatch';
import { urlHash, type TrackingPayload } from './render';
import { CONTROL_CHARACTERS } from './model';
import { recordRegularClick, recordRegularOpen } from '#shared/emails/logs';

export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** The payload when it has a tracking token's shape: what old signed tokens are checked by, and new ones too. */
function trackingPayload(raw: string, purpose: 'open' | 'click'): TrackingPayload | undefined {
  let p: unknown;
  try {
    p = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!p || typeof p !== 'object') return undefined;
  const t = p as Record<string, unknown>;
  const shaped = typeof t.s === 'string' && t.s !== '' && typeof t.a === 'number' && (t.r === undefined || typeof t.r === 'number') && typeof t.l === 'number' && typeof t.w === 'string' && typeof t.e === 'string';
  if (!shaped || (purpose === 'click') !== (typeof t.u === 'string')) return undefined;
  return t as unknown as TrackingPayload;
}

function readToken(deps: Pick<Deps, 'signer' | 'clock'>, purpose: 'open' | 'click', token: string): TrackingPayload | undefined {
  const raw = deps.signer.verify(purpose, token, Math.floor(deps.clock.now().getTime() / 1000), (legacy) => trackingPayload(legacy, purpose) !== undefined);
  return raw === null ? undefined : trackingPayload(raw, purpose);
}

/** Writes a first-time marker; true when this was the first. */
async function first(deps: Pick<Deps, 'db' | 'tableName'>, key: { PK: string; SK: string }, at: string, expiresAt?: number): Promise<boolean> {
  return writeIf(deps.db, new PutCommand({ TableName: deps.tableName, Item: { ...key, type: 'tracking', at, ...(expiresAt ? { expiresAt } : {}) }, ConditionExpression: 'attribute_not_exists(PK)' }));
}

/**
 * Issue 14: a pixel or link fetched again and again (a bot, a proxy, someone inflating figures)
 * counts once per send (and link) per hour. The marker expires with DynamoDB's TTL.
 */
async function countedThisHour(deps: Pick<Deps, 'db' | 'tableName' | 'clock'>, sendId: string, what: string): Promise<boolean> {
  const now = deps.clock.now();
  const hour = now.toISOString().slice(0, 13);
  return first(deps, keys.sendCountedHour(sendId, what, hour), now.toISOString(), Math.ceil(now.getTime() / 1000) + 2 * 3600);
}

export async function recordOpen(deps: Deps, token: string): Promise<boolean> {
  const t = readToken(deps, 'open', token);
  if (!t) return false;
  if (!(await countedThisHour(deps, t.s, 'OPEN'))) return true;
  // Issue 15: a regular email's open goes to its recipient's log and its figures.
  if (t.r) {
    await recordRegularOpen(deps, t.r, t.e);
    // What automated emails watching this regular email react to (issue 15), as for automated ones below.
    await emitEmailFacts(deps, [{ kind: 'emailOpened', automationId: 0, emailId: t.r, email: t.e, sendId: t.s, listId: t.l, workspaceId: t.w }]);
    return true;
  }
  const at = deps.clock.now().toISOString();
  const unique = await first(deps, keys.sendOpen(t.s), at);
  await addStats(deps, t.a, { opens: 1, ...(unique ? { uniqueOpens: 1 } : {}) });
  await emitEmailFacts(deps, [{ kind: 'emailOpened', automationId: t.a, email: t.e, sendId: t.s, listId: t.l, workspaceId: t.w }]);
  return true;
}

/** The link's target when the token holds, for the redirect. */
export async function recordClick(deps: Deps, token: string): Promise<string | undefined> {
  const t = readToken(deps, 'click', token);
  // Control characters never reach a Location header (emails saved before targets were checked).
  if (!t?.u || !/^https?:\/\//i.test(t.u) || CONTROL_CHARACTERS.test(t.u)) return undefined;
  if (!(await countedThisHour(deps, t.s, `CLICK#${urlHash(t.u)}`))) return t.u;
  if (t.r) {
    await recordRegularClick(deps, t.r, t.e, t.u);
    await emitEmailFacts(deps, [{ kind: 'linkClicked', automationId: 0, emailId: t.r, email: t.e, sendId: t.s, url: t.u, listId: t.l, workspaceId: t.w }]);
    return t.u;
  }
  const at = deps.clock.now().toISOString();
  const uniqueSend = await first(deps, keys.sendClick(t.s, 'ANY'), at);
  await first(deps, keys.sendClick(t.s, urlHash(t.u)), at);
  // A click shows the email was opened, even with images blocked.
  const opened = await first(deps, keys.sendOpen(t.s), at);
  await addStats(deps, t.a, { clicks: 1, ...(uniqueSend ? { uniqueClicks: 1 } : {}), ...(opened ? { uniqueOpens: 1 } : {}) });
  await emitEmailFacts(deps, [{ kind: 'linkClicked', automationId: t.a, email: t.e, sendId: t.s, url: t.u, listId: t.l, workspaceId: t.w }]);
  return t.u;
}
