/**
 * SPEC M3: every sender together stays under the account's sending rate. Each second has one
 * counter item; a process takes a few tokens at a time from it (one write per handful of mails,
 * not per mail) and waits for the next second when it is spent. Tokens a process took but did
 * not use lapse with their second, so the rate is never exceeded, only sometimes under-used.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import type { Deps } from '#shared/runtime/deps';
import type { Mailer } from '#shared/ports/mailer';
import { sleep } from '#shared/db/batch';

export function createRateLimitedMailer(inner: Mailer, deps: Pick<Deps, 'db' | 'tableName'>, perSecond: number): Mailer {
  if (!perSecond || perSecond <= 0) return inner;
  const take = Math.max(1, Math.min(50, Math.ceil(perSecond / 10)));
  let second = 0;
  let allowance = 0;
  let reserving: Promise<void> | undefined;

  const reserve = async () => {
    const now = Date.now();
    const current = Math.floor(now / 1000);
    if (current !== second) {
      second = current;
      allowance = 0;
    }
    const res = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.mailRate(current),
        UpdateExpression: 'ADD #n :k SET expiresAt = if_not_exists(expiresAt, :exp)',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':k': take, ':exp': current + 120 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const after = Number(res.Attributes?.n ?? take);
    const granted = Math.max(0, Math.min(take, perSecond - (after - take)));
    if (Math.floor(Date.now() / 1000) === current) allowance += granted;
    if (granted === 0) await sleep(1000 - (Date.now() % 1000) + 1);
  };

  const acquire = async (): Promise<void> => {
    for (;;) {
      if (Math.floor(Date.now() / 1000) !== second) {
        second = Math.floor(Date.now() / 1000);
        allowance = 0;
      }
      if (allowance > 0) {
        allowance--;
        return;
      }
      reserving ??= reserve().finally(() => (reserving = undefined));
      await reserving;
    }
  };

  return {
    async send(mail) {
      await acquire();
      return inner.send(mail);
    },
    // A look-up sends nothing: no token.
    ...(inner.lookup ? { lookup: inner.lookup.bind(inner) } : {}),
  };
}
