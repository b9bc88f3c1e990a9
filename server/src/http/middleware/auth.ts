import type { MiddlewareHandler } from 'hono';
import type { SessionGate } from '../../auth/session-gate.ts';
import { bearerToken } from '../../auth/tokens.ts';
import type { AppEnv } from '../types.ts';

/**
 * `Authorization: Bearer <jwt>` → `c.var.userId` and `c.var.sessionId`, or 401 UNAUTHENTICATED
 * (thrown, rendered by the error handler) for a bad or expired token or an ended session.
 */
export function requireAuth(gate: SessionGate): MiddlewareHandler<AppEnv> {
  return async function requireAuth(c, next) {
    const { userId, sessionId } = await gate.authenticate(bearerToken(c.req.header('authorization')));
    c.set('userId', userId);
    c.set('sessionId', sessionId);
    await next();
  };
}
