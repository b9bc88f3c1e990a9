import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { PigeonIo } from '../realtime/types.ts';
import { AuthLimits } from './auth-limits.ts';
import { createLimiterFactory } from './limiter.ts';
import { connectLimitsRedis } from './redis-connection.ts';
import { createSocketLimits, type SocketLimits } from './socket-limits.ts';

export interface AbuseLimits {
  auth: AuthLimits;
  sockets: SocketLimits;
  /** Stops the slow-reader sweep and closes the limiters' Redis connection. */
  close(): Promise<void>;
}

/**
 * Every abuse limit of one node (issue #13), built from the config: login and
 * register (auth-limits.ts), sockets and their events (socket-limits.ts). With
 * REDIS_URL the per-user and per-address counters are shared by all nodes
 * through their own Redis connection; without it they live in this process.
 * (The send limit, SEND_RATE_LIMIT, is rate-limit.ts's, per node.)
 */
export async function createAbuseLimits(io: PigeonIo, config: ServerConfig, log: Logger): Promise<AbuseLimits> {
  const redis = config.redisUrl ? await connectLimitsRedis(config.redisUrl, log) : null;
  const limiter = createLimiterFactory(redis, log);
  const sockets = createSocketLimits(io, config, limiter, log);
  return {
    auth: new AuthLimits(limiter, config),
    sockets,
    async close() {
      sockets.stop();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
