/**
 * Issue 16, SPEC A5: the index behind the pending-send queue's search (docs/data-model.md
 * "Queue search"). A search is a prefix of one of a send's tokens: its address, its address's
 * domain, a custom field's whole value or a word of one, lower-cased, each cut at 64 characters,
 * at most 12 per send. Each token is an item sorted by token in one of four partitions per
 * automated email, so a search is one Query of the matching tokens, not a read of the queue.
 *
 * Tokens are written before the transaction that queues their send, and left behind when it
 * leaves the queue (sent, failed, dropped, removed): a queued send is never without its tokens,
 * and every read checks the sends its tokens name, so a token without its send shows nothing.
 * Leftover tokens expire (TTL) a grace period after their send's due time, which no send stays
 * queued beyond; reads skip expired ones before DynamoDB deletes them.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet, batchWrite, type Item, type Key } from '#shared/db/batch';
import { keys, queueTokenShard } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import type { SubscriberRecord } from '#shared/subscribers/record';

export const TOKEN_MAX_CHARS = 64;
export const TOKENS_PER_SEND = 12;
/**
 * How long a token outlives its send's due time. A send leaves the queue at its due time, or
 * at the next opening of its window when its email is paused (a week at most), so eight days
 * cover every send still queued; tokens of sends already gone are skipped by the check on read.
 */
export const TOKEN_GRACE_SECONDS = 8 * 86_400;
/**
 * Matching tokens read at most per search. More means the search is not selective (it matches
 * at least 1 in every `queue size / cap` sends), and a filtered read of the queue in due order
 * fills a page after reading about `page × queue size / matches` sends: fast for such a search.
 */
export const TOKEN_READ_CAP = 1000;

const CONTROL = /[\u0000-\u001f\u007f]/g;
/** The highest code point: every string that starts with a prefix sorts below prefix + it (UTF-8 byte order). */
const LAST_CHARACTER = '\u{10FFFF}';

/** A token or a search as compared: NFC, no control characters, trimmed, lower case, 64 code points. */
export function normalizeToken(value: unknown): string {
  const text = String(value).normalize('NFC').replace(CONTROL, ' ').trim().toLowerCase();
  return [...text].slice(0, TOKEN_MAX_CHARS).join('').trim();
}

/** What a search text looks for: a leading `@` names a domain (`@example.com`, `@exam`). */
export const needleOf = (search: string): string => normalizeToken(normalizeToken(search).replace(/^@+/, ''));

/** The tokens of a subscriber's send, most useful first: address, domain, whole field values, their words. */
export function searchTokensOf(subscriber: Pick<SubscriberRecord, 'email' | 'fields'>): string[] {
  const email = normalizeToken(subscriber.email);
  const tokens = new Set<string>([email]);
  const at = email.lastIndexOf('@');
  if (at >= 0 && at < email.length - 1) tokens.add(email.slice(at + 1));
  const values = Object.values(subscriber.fields ?? {})
    .filter((v) => v !== null && v !== undefined && typeof v !== 'object')
    .map(normalizeToken)
    .filter(Boolean);
  for (const v of values) tokens.add(v);
  for (const v of values) for (const word of v.split(/\s+/)) if (word && word !== v) tokens.add(normalizeToken(word));
  tokens.delete('');
  return [...tokens].slice(0, TOKENS_PER_SEND);
}

/** The `search` attribute of a pending send: its tokens, each after a \u0001 (what the filtered fallback matches). */
export const searchTextOfTokens = (tokens: readonly string[]): string => tokens.map((t) => `\u0001${t}`).join('');
export const tokensOfSearchText = (search: string): string[] => (search.startsWith('\u0001') ? search.slice(1).split('\u0001') : []);

/** The filter of a queue read that matches what the tokens match (and, for sends queued before them, their address and field prefixes). */
export function searchFilter(needle: string) {
  return {
    FilterExpression: 'begins_with(#s, :n) OR contains(#s, :q)',
    ExpressionAttributeNames: { '#s': 'search' },
    values: { ':n': needle, ':q': `\u0001${needle}` },
  };
}

interface Queued {
  automationId: number;
  SK: string;
  email: string;
  dueAt: string;
  search: string;
}

/** The token items of pending sends, to write before the transaction that queues them. */
export async function writeSearchTokens(deps: Pick<Deps, 'db' | 'tableName'>, items: readonly Queued[]): Promise<void> {
  const writes = items.flatMap((item) => {
    const expiresAt = Math.floor(new Date(item.dueAt).getTime() / 1000) + TOKEN_GRACE_SECONDS;
    return tokensOfSearchText(item.search).map((token) => ({
      put: { ...keys.queueToken(item.automationId, token, item.SK), type: 'queueToken', email: item.email, expiresAt },
    }));
  });
  if (writes.length) await batchWrite(deps.db, deps.tableName, writes);
}

export interface TokenMatch {
  /** The queue key the token was written for. */
  sk: string;
  email: string;
}

/** Sends whose tokens start with `needle`, unexpired; undefined when more than TOKEN_READ_CAP tokens match. */
export async function tokenMatches(deps: Pick<Deps, 'db' | 'tableName' | 'clock'>, automationId: number, needle: string): Promise<TokenMatch[] | undefined> {
  const nowSeconds = deps.clock.now().getTime() / 1000;
  const found = new Map<string, string>();
  let read = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const res = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        // begins_with as a range (the same in DynamoDB; DynamoDB Local reads the whole partition for begins_with).
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :n AND :end',
        ExpressionAttributeValues: { ':pk': keys.queueTokenPartition(automationId, queueTokenShard(needle)), ':n': needle, ':end': `${needle}${LAST_CHARACTER}` },
        ProjectionExpression: 'SK, #e, #x',
        ExpressionAttributeNames: { '#e': 'email', '#x': 'expiresAt' },
        Limit: TOKEN_READ_CAP + 1 - read,
        ExclusiveStartKey: start,
      }),
    );
    for (const token of res.Items ?? []) {
      read++;
      if (Number(token.expiresAt) <= nowSeconds) continue;
      const sk = String(token.SK);
      found.set(sk.slice(sk.indexOf('\u0000') + 1), String(token.email));
    }
    if (read > TOKEN_READ_CAP) return undefined;
    start = res.LastEvaluatedKey;
  } while (start);
  return [...found].map(([sk, email]) => ({ sk, email }));
}

/**
 * The matches still queued, in due order, until `want` are found: read in chunks; a send not
 * under its token's key either left the queue or was moved to its window's next opening (a
 * paused email's held send, which only moves later), and its trigger history names its key now.
 */
export async function liveMatches(
  deps: Pick<Deps, 'db' | 'tableName'>,
  automationId: number,
  matches: readonly TokenMatch[],
  order: 'asc' | 'desc',
  want: number,
): Promise<{ keys: Key[]; items: Map<string, Item> }> {
  const pk = keys.pendingPartition(automationId);
  const before = (a: string, b: string) => (order === 'asc' ? a < b : a > b);
  const sorted = (list: TokenMatch[]) => list.sort((a, b) => (a.sk === b.sk ? 0 : before(a.sk, b.sk) ? -1 : 1));
  const todo = sorted([...matches]);
  const seen = new Set(todo.map((m) => m.sk));
  const live: string[] = [];
  const items = new Map<string, Item>();
  const read = async (part: readonly TokenMatch[]) => {
    const found = await batchGet(deps.db, deps.tableName, part.map((m) => ({ PK: pk, SK: m.sk })));
    const missing: TokenMatch[] = [];
    for (const m of part) {
      const item = found.get(`${pk}\u0000${m.sk}`);
      if (!item) missing.push(m);
      else if (!items.has(m.sk)) {
        items.set(m.sk, item);
        live.push(m.sk);
      }
    }
    return missing;
  };
  let next = 0;
  while (next < todo.length && live.length < want) {
    const part = todo.slice(next, next + Math.min(100, Math.max(25, want - live.length)));
    next += part.length;
    const missing = await read(part);
    if (!missing.length) continue;
    const histories = await batchGet(deps.db, deps.tableName, [...new Set(missing.map((m) => m.email))].map((e) => keys.automationSubscriber(automationId, e)), ['pending']);
    const moved: TokenMatch[] = [];
    for (const m of missing) {
      const history = histories.get(`${keys.automationSubscriber(automationId, m.email).PK}\u0000${m.email}`);
      const now = (history?.pending as Record<string, string> | undefined)?.[m.sk.slice(m.sk.indexOf('#') + 1)];
      if (now && !seen.has(now)) {
        seen.add(now);
        moved.push({ sk: now, email: m.email });
      }
    }
    const cursor = todo[next - 1]!.sk;
    // Ahead of the cursor: read in their turn; behind it (descending order): read now.
    const ahead = moved.filter((m) => before(cursor, m.sk));
    todo.splice(next, todo.length - next, ...sorted([...todo.slice(next), ...ahead]));
    const behind = moved.filter((m) => !before(cursor, m.sk));
    if (behind.length) await read(behind);
    live.sort((a, b) => (a === b ? 0 : before(a, b) ? -1 : 1));
  }
  return { keys: live.map((SK) => ({ PK: pk, SK })), items };
}
