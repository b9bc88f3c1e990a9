import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';

/**
 * The liveness connection (node records, presence reads across nodes), apart from the
 * adapter's pub/sub and the limiters' connection. It fails fast: no offline queue and a
 * command timeout (PRESENCE_REDIS_TIMEOUT_MS), so with Redis away a presence read errs
 * within that time and the caller answers from this node's sockets instead of waiting.
 * Reconnect attempts are at most 1 s apart, so a node re-registers about 1 s after Redis
 * is back (the settle window in cluster-node.ts counts on it).
 */
export async function connectClusterRedis(url: string, commandTimeoutMs: number, log: Logger): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  client.on('error', (err) => log.debug({ err, role: 'cluster' }, 'redis connection error'));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new Error(`cannot connect to REDIS_URL: ${(err as Error).message}`);
  }
  return client;
}
