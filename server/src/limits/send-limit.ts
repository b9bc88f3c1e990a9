import type { ServerConfig } from '../config.ts';
import type { LimiterFactory } from './limiter.ts';
import { rateLimited } from './rate-limited.ts';

export type SendLimitConfig = Pick<ServerConfig, 'sendRateLimit' | 'sendRateWindowMs'>;

/** The per-user send limit shared by REST and the socket (SEND_RATE_LIMIT). */
export interface SendLimit {
  /** Counts one send of `userId`; throws RATE_LIMITED (with Retry-After) once the window's sends are used up. */
  take(userId: string): Promise<void>;
}

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
  const sends = limiter({ name: 'send-user', points: config.sendRateLimit, windowMs: config.sendRateWindowMs, blockInMemory: true });
  return {
    async take(userId) {
      const verdict = await sends.consume(userId);
      if (!verdict.allowed) throw rateLimited('too many messages, slow down', verdict.retryAfterMs);
    },
  };
}
