import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { refreshBodySchema } from '@pigeon/sync-protocol';
import type { AppEnv, HttpServices } from '../types.ts';
import { readJson } from '../validate.ts';

/**
 * Under /api/auth, next to register and login:
 *   POST /refresh { refreshToken } → 200 { token, refreshToken }   public: the refresh token is the credential
 *   POST /logout                   → 204                           Bearer: ends the caller's session
 */
export function refreshRoutes(s: HttpServices, authed: MiddlewareHandler<AppEnv>) {
  const routes = new Hono<AppEnv>();

  routes.post('/refresh', async (c) => {
    const { refreshToken } = await readJson(c, refreshBodySchema);
    return c.json(await s.sessions.refresh(refreshToken), 200);
  });

  routes.post('/logout', authed, async (c) => {
    // Revoked already (a race with another logout) is fine: the session has ended either way.
    await s.sessions.revoke(c.get('userId'), c.get('sessionId'));
    return c.body(null, 204);
  });

  return routes;
}
