import { LIMITS } from '@pigeon/sync-protocol';

/**
 * Per-user send limit shared by REST and the socket: a token bucket holding
 * `limit` tokens that refills at `limit` per window. Over a full window a user
 * can't exceed the limit, and unlike fixed windows there is no double burst at
 * the window edge. In-memory per node: with several nodes the effective limit
 * is per node (documented; a shared limiter would cost a Redis round trip per send).
 */
export interface RateLimiter {
  /** Takes one token; false when the user is over the limit. */
  tryTake(key: string): boolean;
}

export interface RateLimiterOptions {
  /** Sends per window; 0 turns the limiter off. */
  limit: number;
  windowMs?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Idle buckets are full again after one window, so they can be forgotten. */
const SWEEP_EVERY = 10_000;

export function createRateLimiter({ limit, windowMs = LIMITS.sendRateWindowMs, now = Date.now }: RateLimiterOptions): RateLimiter {
  if (limit <= 0) return { tryTake: () => true };
  const perMs = limit / windowMs;
  const buckets = new Map<string, Bucket>();
  let calls = 0;

  function sweep(t: number) {
    for (const [key, b] of buckets) if (t - b.updatedAt >= windowMs) buckets.delete(key);
  }

  return {
    tryTake(key) {
      const t = now();
      if (++calls % SWEEP_EVERY === 0) sweep(t);
      const b = buckets.get(key) ?? { tokens: limit, updatedAt: t };
      b.tokens = Math.min(limit, b.tokens + (t - b.updatedAt) * perMs);
      b.updatedAt = t;
      buckets.set(key, b);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
  };
}
