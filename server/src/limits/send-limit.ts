import type { ServerConfig } from '../config.ts';
import type { LimiterFactory } from './limiter.ts';
import { rateLimited } from './rate-limited.ts';

export type SendLimitConfig = Pick<ServerConfig, 'sendRateLimit' | 'sendRateWindowMs'>;
export type SearchLimitConfig = Pick<ServerConfig, 'searchRateLimit' | 'sendRateWindowMs'>;

/** A per-user budget of requests of one kind: sends (SEND_RATE_LIMIT), searches (SEARCH_RATE_LIMIT). */
export interface UserLimit {
  /** Counts one request of `userId`; throws RATE_LIMITED (with Retry-After) once the window's are used up. */
  take(userId: string): Promise<void>;
}

/** The per-user send limit shared by REST and the socket (SEND_RATE_LIMIT). */
export type SendLimit = UserLimit;

/**
 * SEND_RATE_LIMIT sends per user per window (10 s), counted like every other
 * limit by the LimiterFactory: with REDIS_URL one counter per user in Redis for
 * the whole cluster, so N nodes accept exactly what one node would; without it,
 * in this process. A fixed window that opens at the user's first send: at most
 * SEND_RATE_LIMIT in any window, so a sustained rate above SEND_RATE_LIMIT / 10 s
 * is refused (a burst can straddle two windows).
 *
 * Over the limit, the user is refused from this node's memory for the rest of
 * the window (blockInMemory): a client hammering the limit costs no Redis round
 * trip. Safe because a send count is never reset early.
 */
export function createSendLimit(limiter: LimiterFactory, config: SendLimitConfig): SendLimit {
  return userLimit(limiter, 'send-user', config.sendRateLimit, config.sendRateWindowMs, 'too many messages, slow down');
}

/**
 * SEARCH_RATE_LIMIT message searches per user per window (the sends' 10 s), counted the same way.
 * A budget of its own, not the sends': searching costs the store reads, not writes, and a user
 * typing a query (the PWA asks the server once per pause of 200 ms in their typing) must not use up
 * what their messages need. Over it the PWA still shows the device's own matches.
 */
export function createSearchLimit(limiter: LimiterFactory, config: SearchLimitConfig): UserLimit {
  return userLimit(limiter, 'search-user', config.searchRateLimit, config.sendRateWindowMs, 'too many searches, slow down');
}

function userLimit(limiter: LimiterFactory, name: string, points: number, windowMs: number, message: string): UserLimit {
  const counts = limiter({ name, points, windowMs, blockInMemory: true });
  return {
    async take(userId) {
      const verdict = await counts.consume(userId);
      if (!verdict.allowed) throw rateLimited(message, verdict.retryAfterMs);
    },
  };
}
