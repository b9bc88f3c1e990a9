import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';

/**
 * The limiters' own Redis connection (the adapter's pub/sub connections stay
 * untouched). Commands must fail fast rather than wait: with no offline queue
 * and a short command timeout, an unreachable Redis makes a limiter fall back to
 * its in-memory insurance within half a second instead of holding a login or a
 * socket event until ioredis reconnects.
 */
export async function connectLimitsRedis(url: string, log: Logger): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
  });
  client.on('error', (err) => log.warn({ err, role: 'limits' }, 'redis connection error'));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new Error(`cannot connect to REDIS_URL: ${(err as Error).message}`);
  }
  return client;
}
