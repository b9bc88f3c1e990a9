import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';

export interface FailFastRedisOptions {
  /** Named in the logs (`role`). */
  role: string;
  /** A command unanswered this long fails (ms). */
  commandTimeoutMs: number;
  log: Logger;
  /** Level of the connection errors ioredis repeats while Redis is away (default warn). */
  errorLevel?: 'warn' | 'debug';
  /** Longest pause between reconnect attempts (ms); ioredis's own is 2 s. */
  maxReconnectDelayMs?: number;
}

/**
 * A Redis connection whose commands fail fast rather than wait: no offline queue, one
 * retry, a command timeout. With Redis unreachable a caller gets an error within
 * `commandTimeoutMs` and falls back (the limiters to their in-memory insurance, presence to
 * this node's sockets) instead of holding a request until ioredis reconnects. Connects
 * eagerly, so a wrong REDIS_URL fails the start.
 */
export async function connectFailFastRedis(url: string, options: FailFastRedisOptions): Promise<Redis> {
  const { role, log, errorLevel = 'warn', maxReconnectDelayMs } = options;
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    ...(maxReconnectDelayMs ? { retryStrategy: (attempt: number) => Math.min(attempt * 100, maxReconnectDelayMs) } : {}),
  });
  client.on('error', (err) => log[errorLevel]({ err, role }, 'redis connection error'));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new Error(`cannot connect to REDIS_URL: ${(err as Error).message}`);
  }
  return client;
}
