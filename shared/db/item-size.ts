/**
 * Byte bounds of what the shared loops write (issue 12, point 6). DynamoDB refuses an item over
 * 400 KB and a transaction over 4 MB; a refused write in a loop shared by every tenant must
 * never happen, so every item those loops build is measured against these budgets first.
 *
 * `jsonBytes` (UTF-8 bytes of the JSON text) is the measure: DynamoDB counts attribute names
 * and UTF-8 values plus a few bytes per map or list element, which JSON's quotes, colons and
 * commas match or exceed for the shapes we store, and the budgets leave a margin besides.
 */

/** DynamoDB's hard limit for one item. */
export const ITEM_LIMIT_BYTES = 400 * 1024;
/** DynamoDB's hard limit for one TransactWriteItems call. */
export const TRANSACTION_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * A subscriber's stored values (fields, groups, email) are at most what one request can carry:
 * a row whose merged record would be larger is refused (`SUBSCRIBER_TOO_LARGE`).
 */
export const SUBSCRIBER_MAX_BYTES = 256 * 1024;
/** What the shared loops pack into one item (an outbox event, a webhook payload): room is left for keys. */
export const PACKED_ITEM_BUDGET_BYTES = 300 * 1024;
/** What one transaction of a shared loop may carry, well under the 4 MB limit. */
export const TRANSACTION_BUDGET_BYTES = 3 * 1024 * 1024;

export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/**
 * Splits `values` into consecutive runs whose summed sizes stay within `budget`. A value larger
 * than the budget alone gets a run of its own (callers bound single values below the item limit).
 */
export function packBySize<T>(values: readonly T[], budget: number, sizeOf: (v: T) => number = jsonBytes): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const value of values) {
    const size = sizeOf(value);
    if (run.length && bytes + size > budget) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(value);
    bytes += size;
  }
  if (run.length) runs.push(run);
  return runs;
}
