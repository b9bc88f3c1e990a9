import type { Redis } from 'ioredis';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { PigeonIo } from '../realtime/types.ts';
import { AuthLimits } from './auth-limits.ts';
import { createLimiterFactory } from './limiter.ts';
import { connectLimitsRedis } from './redis-connection.ts';
import { createSearchLimit, createSendLimit, type SendLimit, type UserLimit } from './send-limit.ts';
import { createSocketLimits, type SocketLimits } from './socket-limits.ts';

export interface AbuseLimits {
  /** SEND_RATE_LIMIT, for REST and socket sends alike. */
  sends: SendLimit;
  /** SEARCH_RATE_LIMIT, message searches. */
  searches: UserLimit;
  auth: AuthLimits;
  sockets: SocketLimits;
  /**
   * The limiters' Redis connection (REDIS_URL), or null. Also lent to
   * cluster/store-identity.ts, which re-records the store identity whenever it reconnects.
   */
  redis: Redis | null;
  /** Stops the slow-reader sweep and closes the limiters' Redis connection. */
  close(): Promise<void>;
}

/**
 * Every limit of one node, built from the config in this one place: sends and
 * searches (send-limit.ts), login and register (auth-limits.ts), sockets and their events
 * (socket-limits.ts). With REDIS_URL the per-user and per-address counters are
 * shared by all nodes through their own Redis connection, so a cluster enforces
 * the numbers one node would; without it they live in this process. What stays
 * per node on purpose (per-socket budgets, sockets per user, slow readers) is
 * said in socket-limits.ts.
 */
export async function createAbuseLimits(io: PigeonIo, config: ServerConfig, log: Logger): Promise<AbuseLimits> {
  const redis = config.redisUrl ? await connectLimitsRedis(config.redisUrl, log) : null;
  const limiter = createLimiterFactory(redis, log);
  const sockets = createSocketLimits(io, config, limiter, log);
  return {
    sends: createSendLimit(limiter, config),
    searches: createSearchLimit(limiter, config),
    auth: new AuthLimits(limiter, config),
    sockets,
    redis,
    async close() {
      sockets.stop();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
