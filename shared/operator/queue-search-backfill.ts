/**
 * `npm run admin -- backfill-queue-search` (issue 16, SPEC A5): the token index of the queue
 * search for sends queued before it existed. Such a send carries the old `search` text (its
 * address and field values joined by \u0001, not starting with one); its tokens are computed from
 * that text the way new sends' are (searchTokensOf), written, and then the send's `search` is set
 * to the new form on the condition that it still holds the old one. A send already backfilled,
 * or queued with its tokens, is skipped, so the command can be run any number of times, also
 * while sends are made. An operator's one-off: a filtered Scan of the queue partitions, not a
 * request path (docs/operations.md).
 */
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { writeIf } from '#shared/db/conditional';
import type { Deps } from '#shared/runtime/deps';
import { searchTextOfTokens, searchTokensOf, writeSearchTokens } from '#shared/automations/queue-search';

interface OldPending {
  PK: string;
  SK: string;
  automationId: number;
  email: string;
  dueAt: string;
  search: string;
}

/** The tokens of an old search text: the address first, then the field values. */
export function tokensOfOldSearch(search: string): string[] {
  const [email = '', ...values] = search.split('\u0001');
  return searchTokensOf({ email, fields: Object.fromEntries(values.map((v, i) => [String(i), v])) });
}

export async function backfillQueueSearch(deps: Pick<Deps, 'db' | 'tableName'>): Promise<{ sendsWithoutTokens: number; backfilled: number }> {
  let sendsWithoutTokens = 0;
  let backfilled = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new ScanCommand({
        TableName: deps.tableName,
        // AUTOQ#<id>: the pending sends (AUTOQT# holds the tokens); a new-form search starts with \u0001.
        FilterExpression: 'begins_with(PK, :queue) AND attribute_exists(#s) AND NOT begins_with(#s, :new)',
        ExpressionAttributeNames: { '#s': 'search' },
        ExpressionAttributeValues: { ':queue': 'AUTOQ#', ':new': '\u0001' },
        ExclusiveStartKey: start,
      }),
    );
    for (const send of (page.Items ?? []) as OldPending[]) {
      sendsWithoutTokens++;
      const search = searchTextOfTokens(tokensOfOldSearch(send.search));
      // Tokens first, as when a send is queued: the send never says it has tokens it lacks.
      await writeSearchTokens(deps, [{ automationId: Number(send.automationId), SK: send.SK, email: send.email, dueAt: send.dueAt, search }]);
      const updated = await writeIf(
        deps.db,
        new UpdateCommand({
          TableName: deps.tableName,
          Key: { PK: send.PK, SK: send.SK },
          UpdateExpression: 'SET #s = :search',
          ConditionExpression: '#s = :old',
          ExpressionAttributeNames: { '#s': 'search' },
          ExpressionAttributeValues: { ':search': search, ':old': send.search },
        }),
      );
      // Not updated: sent or removed meanwhile; its tokens expire with the others of gone sends.
      if (updated) backfilled++;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { sendsWithoutTokens, backfilled };
}
