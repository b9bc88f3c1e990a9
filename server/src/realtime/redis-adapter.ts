import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';

export interface RedisAdapterHandle {
  adapter: ReturnType<typeof createAdapter>;
  /** The adapter's connections, for cluster/link-health.ts to watch. */
  links: { pub: Redis; sub: Redis };
  close(): Promise<void>;
}

/**
 * Socket.io Redis (pub/sub) adapter on ioredis, which re-subscribes by itself
 * after a reconnect. Connects eagerly so a wrong REDIS_URL fails the start
 * instead of silently running as a lone node.
 *
 * The adapter calls `publish` without ever handling its promise (every broadcast,
 * server-side emit and remote disconnect): with Redis away each of them became an
 * unhandled rejection (issue #14, 114 in a 10 s outage). Here `publish` never rejects:
 * a failure is counted and logged once per outage, the event is lost for the other
 * nodes (their devices catch up on the `sync-hint` sent when the links are back).
 */
const PUBLISH_TIMEOUT_MS = 2_000;

export async function connectRedisAdapter(url: string, log: Logger): Promise<RedisAdapterHandle> {
  // Reconnect attempts at most 1 s apart (ioredis: 2 s), so the links are back soon after Redis.
  const options = { lazyConnect: true, maxRetriesPerRequest: 3, retryStrategy: (n: number) => Math.min(n * 100, 1_000) };
  // A publish unanswered for 2 s is given up (counted as lost), so a Redis that stops answering
  // without closing the connection cannot pile up publishes in memory. Not on the subscriber:
  // the adapter does not handle its (re)subscribe promises.
  const pub = new Redis(url, { ...options, commandTimeout: PUBLISH_TIMEOUT_MS });
  const sub = new Redis(url, options);
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
  neverReject(pub, log);
  return {
    adapter: createAdapter(pub, sub),
    links: { pub, sub },
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

function neverReject(pub: Redis, log: Logger): void {
  const publish = pub.publish.bind(pub) as (channel: string, message: string | Buffer) => Promise<number>;
  let dropped = 0;
  pub.on('ready', () => {
    if (dropped > 0) log.warn({ dropped }, 'redis back: events published while it was away were lost for the other nodes');
    dropped = 0;
  });
  (pub as unknown as { publish: typeof publish }).publish = (channel, message) =>
    publish(channel, message).catch((err: unknown) => {
      if (dropped++ === 0) log.warn({ err }, 'redis publish failed: events to other nodes are lost until it is back');
      return 0;
    });
}
