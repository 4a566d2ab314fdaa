/**
 * The local twin of the API Gateway usage plan (SPEC W4): a token bucket per workspace,
 * refilled at `ratePerSecond` up to `burst` tokens, the algorithm API Gateway throttles with.
 */
export interface RateLimiter {
  /** True when the request may pass (a token was taken). */
  take(key: string): boolean;
}

export function createTokenBucketLimiter(
  ratePerSecond: number,
  burst: number,
  now: () => number = () => performance.now(),
): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * ratePerSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}
