/**
 * The real server's per-user send limit (server/src/rate-limit.ts): a token bucket
 * holding `limit` tokens that refills at `limit` per window. 0 turns it off.
 */
export interface SendRate {
  /** Takes one token; false when the user is over the limit. */
  tryTake(userId: string): boolean;
}

export function createSendRate(limit: number, windowMs: number, now: () => number = Date.now): SendRate {
  if (limit <= 0) return { tryTake: () => true };
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    tryTake(userId) {
      const t = now();
      const b = buckets.get(userId) ?? { tokens: limit, at: t };
      b.tokens = Math.min(limit, b.tokens + ((t - b.at) * limit) / windowMs);
      b.at = t;
      buckets.set(userId, b);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
  };
}
