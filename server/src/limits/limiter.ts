import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../log.ts';
import { RedisBreaker } from './redis-breaker.ts';

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

/** How long the limiters count in memory after Redis failed, before one call probes it again. */
export const REDIS_BREAKER_OPEN_MS = 2_000;

/**
 * Limiters shared by every node through Redis when there is one (REDIS_URL),
 * each with an in-memory "insurance" limiter of the same size that answers while
 * Redis cannot: an outage makes the limits per node for a while (each node
 * counts from zero), it never fails or holds a send, a login or an event.
 * Without Redis, in memory (one node).
 *
 * The insurance is rate-limiter-flexible's idea done here rather than through
 * its `insuranceLimiter` option, which hides the failure: the breaker must see
 * it to stop sending commands to a Redis that hangs (redis-breaker.ts).
 */
export function createLimiterFactory(redis: Redis | null, log: Logger, breaker = new RedisBreaker(REDIS_BREAKER_OPEN_MS)): LimiterFactory {
  const redisFailed = (err: unknown, limiter: string) => {
    if (breaker.failed()) log.warn({ err, limiter, forMs: REDIS_BREAKER_OPEN_MS }, 'limits: Redis did not answer; counting in memory on this node (per node) until it does');
  };
  return (spec) => {
    if (spec.points <= 0) return UNLIMITED;
    // Redis expiries are whole seconds (rate-limiter-flexible rounds down); never 0, which would mean "forever".
    const duration = Math.max(1, Math.round(spec.windowMs / 1000));
    const keyPrefix = `pigeon:limit:${spec.name}`;
    const memory = new RateLimiterMemory({ keyPrefix, points: spec.points, duration });
    const counter = redis
      ? insured(
          new RateLimiterRedis({
            storeClient: redis,
            keyPrefix,
            points: spec.points,
            duration,
            ...(spec.blockInMemory ? { inMemoryBlockOnConsumed: spec.points + 1 } : {}),
          }),
          memory,
          breaker,
          (err) => redisFailed(err, spec.name),
        )
      : memory;
    return wrap(counter, spec.points, (err, op) => log.warn({ err, limiter: spec.name, op }, 'rate limiter failed; allowing'));
  };
}

/** The four operations a Limiter uses, from either counter. */
type Counter = Pick<RateLimiterAbstract, 'consume' | 'get' | 'reward' | 'delete'>;

/** Redis while the breaker allows it; the same-size memory counter when Redis fails or the breaker is open. */
function insured(shared: Counter, memory: Counter, breaker: RedisBreaker, onFailure: (err: unknown) => void): Counter {
  const through = <T>(viaRedis: () => Promise<T>, viaMemory: () => Promise<T>): Promise<T> => {
    if (!breaker.allow()) return viaMemory();
    return viaRedis().then(
      (res) => {
        breaker.succeeded();
        return res;
      },
      (err: unknown) => {
        // A refusal is Redis answering, not failing.
        if (err instanceof RateLimiterRes) {
          breaker.succeeded();
          throw err;
        }
        onFailure(err);
        return viaMemory();
      },
    );
  };
  return {
    consume: (key, points, options) => through(() => shared.consume(key, points, options), () => memory.consume(key, points, options)),
    get: (key, options) => through(() => shared.get(key, options), () => memory.get(key, options)),
    reward: (key, points, options) => through(() => shared.reward(key, points, options), () => memory.reward(key, points, options)),
    delete: (key, options) => through(() => shared.delete(key, options), () => memory.delete(key, options)),
  };
}

function wrap(limiter: Counter, points: number, onError: (err: unknown, op: string) => void): Limiter {
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
