import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import { connectFailFastRedis } from '../util/fail-fast-redis.ts';

/**
 * The limiters' own Redis connection (the adapter's pub/sub connections stay
 * untouched). Commands must fail fast rather than wait: with no offline queue
 * and a short command timeout, an unreachable Redis makes a limiter fall back to
 * its in-memory insurance within half a second instead of holding a login or a
 * socket event until ioredis reconnects.
 */
export function connectLimitsRedis(url: string, log: Logger): Promise<Redis> {
  return connectFailFastRedis(url, { role: 'limits', commandTimeoutMs: 500, log });
}
