import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';

export interface RedisAdapterHandle {
  adapter: ReturnType<typeof createAdapter>;
  close(): Promise<void>;
}

/**
 * Socket.io Redis (pub/sub) adapter on ioredis, which re-subscribes by itself
 * after a reconnect. Connects eagerly so a wrong REDIS_URL fails the start
 * instead of silently running as a lone node.
 */
export async function connectRedisAdapter(url: string, log: Logger): Promise<RedisAdapterHandle> {
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sub = pub.duplicate();
  for (const [role, client] of [['pub', pub], ['sub', sub]] as const) {
    client.on('error', (err) => log.warn({ err, role }, 'redis connection error'));
  }
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (err) {
    pub.disconnect();
    sub.disconnect();
    throw new Error(`cannot connect to REDIS_URL: ${(err as Error).message}`);
  }
  return {
    adapter: createAdapter(pub, sub),
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
