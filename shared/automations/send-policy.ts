/**
 * How long a claimed send is its dispatcher's, and how a transient mailer failure is retried
 * (issue 12; docs/automations.md "After a crash" states these numbers).
 */

/** A claim's lease: a dispatcher that has not recorded a result by then is taken for dead. */
export const SEND_LEASE_MS = 10 * 60_000;
/**
 * The lease of a send claimed in its trigger's own transaction (issue 16): it is mailed right after
 * that commit, so a short lease is plenty, and a worker that dies first leaves it to the sweeper
 * about as soon as the queue's safety-net entry would have sent it (two minutes).
 */
export const DIRECT_CLAIM_LEASE_MS = 60_000;
/** A dispatcher does not start mailing a send whose lease ends sooner than this. */
export const LEASE_MARGIN_MS = 30_000;
/** First retry after a transient failure; doubled each attempt up to RETRY_MAX_INTERVAL_MS. */
export const RETRY_BASE_MS = 60_000;
export const RETRY_MAX_INTERVAL_MS = 30 * 60_000;
/** A send that still fails transiently this long after its first attempt is recorded failed. */
export const RETRY_DEADLINE_MS = 24 * 3600_000;

/** When the next attempt is due after `attempts` attempts, or undefined when the deadline has passed. */
export function nextAttemptAt(firstAttemptAt: Date, attempts: number, now: Date): Date | undefined {
  const deadline = firstAttemptAt.getTime() + RETRY_DEADLINE_MS;
  if (now.getTime() >= deadline) return undefined;
  const wait = Math.min(RETRY_MAX_INTERVAL_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return new Date(Math.min(deadline, now.getTime() + wait));
}
