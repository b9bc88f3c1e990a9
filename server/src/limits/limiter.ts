import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../log.ts';

export type Verdict = { allowed: true } | { allowed: false; retryAfterMs: number };

/** A fixed-window counter per key (rate-limiter-flexible underneath). */
export interface Limiter {
  /** Counts one attempt; refused once the window's points are used up. */
  consume(key: string): Promise<Verdict>;
  /** Whether `key` is over its limit right now, without counting anything. */
  check(key: string): Promise<Verdict>;
  /** Gives one point back (an attempt that turned out not to count). */
  reward(key: string): Promise<void>;
  /** Forgets the key's count (e.g. a username's failures after a successful login). */
  reset(key: string): Promise<void>;
}

export interface LimiterSpec {
  /** Part of the Redis key, so limiters never share counters. */
  name: string;
  /** Allowed per window; 0 = no limit. */
  points: number;
  windowMs: number;
  /**
   * Once over the limit, refuse the key from this node's memory for the rest of
   * the window instead of asking Redis again: a flood costs no Redis traffic.
   * Only for limits that are never reset early (a reset on another node would
   * not reach this memory).
   */
  blockInMemory?: boolean;
}

export type LimiterFactory = (spec: LimiterSpec) => Limiter;

const ALLOWED: Verdict = { allowed: true };
const UNLIMITED: Limiter = {
  consume: async () => ALLOWED,
  check: async () => ALLOWED,
  reward: async () => {},
  reset: async () => {},
};

/**
 * Limiters shared by every node through Redis when there is one (REDIS_URL),
 * each with an in-memory "insurance" limiter of the same size that takes over
 * while Redis is unreachable: an outage makes the limits per node for a while,
 * it never fails a login. Without Redis, in memory (one node).
 */
export function createLimiterFactory(redis: Redis | null, log: Logger): LimiterFactory {
  return (spec) => {
    if (spec.points <= 0) return UNLIMITED;
    // Redis expiries are whole seconds (rate-limiter-flexible rounds down); never 0, which would mean "forever".
    const duration = Math.max(1, Math.round(spec.windowMs / 1000));
    const keyPrefix = `pigeon:limit:${spec.name}`;
    const memory = new RateLimiterMemory({ keyPrefix, points: spec.points, duration });
    const limiter: RateLimiterAbstract = redis
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix,
          points: spec.points,
          duration,
          insuranceLimiter: memory,
          ...(spec.blockInMemory ? { inMemoryBlockOnConsumed: spec.points + 1 } : {}),
        })
      : memory;
    return wrap(limiter, spec.points, (err, op) => log.warn({ err, limiter: spec.name, op }, 'rate limiter failed; allowing'));
  };
}

function wrap(limiter: RateLimiterAbstract, points: number, onError: (err: unknown, op: string) => void): Limiter {
  // Both limiters failing is a bug, not abuse: let the request through and say so in the log.
  const failOpen = (op: string) => (err: unknown): Verdict => {
    if (err instanceof RateLimiterRes) return { allowed: false, retryAfterMs: err.msBeforeNext };
    onError(err, op);
    return ALLOWED;
  };
  return {
    consume: (key) => limiter.consume(key).then(() => ALLOWED, failOpen('consume')),
    check: (key) =>
      limiter.get(key).then(
        (res): Verdict => (res && res.consumedPoints >= points ? { allowed: false, retryAfterMs: res.msBeforeNext } : ALLOWED),
        failOpen('check'),
      ),
    reward: (key) => limiter.reward(key).then(() => {}, (err: unknown) => void failOpen('reward')(err)),
    reset: (key) => limiter.delete(key).then(() => {}, (err: unknown) => void failOpen('reset')(err)),
  };
}
