import type { MiddlewareHandler } from 'hono';
import { bearerToken, type TokenService } from '../../auth/tokens.ts';
import type { AppEnv } from '../types.ts';

/** `Authorization: Bearer <jwt>` → `c.var.userId`, or 401 UNAUTHENTICATED (thrown, rendered by the error handler). */
export function requireAuth(tokens: TokenService): MiddlewareHandler<AppEnv> {
  return async function requireAuth(c, next) {
    c.set('userId', await tokens.verify(bearerToken(c.req.header('authorization'))));
    await next();
  };
}
