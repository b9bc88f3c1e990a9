import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import { connectFailFastRedis } from '../util/fail-fast-redis.ts';

/**
 * The liveness connection (node records, presence reads across nodes), apart from the
 * adapter's pub/sub and the limiters' connection. It fails fast (PRESENCE_REDIS_TIMEOUT_MS),
 * so with Redis away a presence read errs within that time and the caller answers from this
 * node's sockets. Reconnect attempts are at most 1 s apart, so a node re-registers about
 * 1 s after Redis is back (the settle window in cluster-node.ts counts on it). Its errors
 * are logged at debug: link-health.ts says once that Redis is away, and once that it is back.
 */
export function connectClusterRedis(url: string, commandTimeoutMs: number, log: Logger): Promise<Redis> {
  return connectFailFastRedis(url, { role: 'cluster', commandTimeoutMs, log, errorLevel: 'debug', maxReconnectDelayMs: 1_000 });
}
