/**
 * The local twin of the API Gateway usage plan (SPEC W4): a token bucket per workspace,
 * refilled at `ratePerSecond` up to `burst` tokens, the algorithm API Gateway throttles with.
 * The same buckets, per client IP, hold the public routes (issue 14).
 */
export interface RateLimiter {
  /** True when the request may pass (a token was taken). */
  take(key: string): boolean;
}

const MAX_KEYS = 10_000;

export function createTokenBucketLimiter(
  ratePerSecond: number,
  burst: number,
  now: () => number = () => performance.now(),
): RateLimiter & { readonly size: () => number } {
  const buckets = new Map<string, { tokens: number; at: number }>();
  let lastSweep = -Infinity;
  return {
    take(key) {
      const t = now();
      // Keys may be client addresses, unbounded: a full bucket is no different from no bucket.
      // Swept at most once a second, so a flood of new addresses does not scan on every request.
      if (buckets.size >= MAX_KEYS && !buckets.has(key) && t - lastSweep >= 1000) {
        lastSweep = t;
        for (const [k, b] of buckets) if (b.tokens + ((t - b.at) / 1000) * ratePerSecond >= burst) buckets.delete(k);
      }
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * ratePerSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    size: () => buckets.size,
  };
}
