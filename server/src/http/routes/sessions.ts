import { Hono } from 'hono';
import { PigeonError, sessionIdParamSchema } from '@pigeon/sync-protocol';
import type { AppEnv, HttpServices } from '../types.ts';

/**
 * GET /api/sessions → { sessions } (the caller's live sessions, `current` marks the asking one);
 * DELETE /api/sessions/:id → 204, or 404 NOT_FOUND for anything but one of the caller's live
 * sessions (whether it exists and is someone else's is not revealed).
 */
export function sessionRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  routes.get('/', async (c) => {
    return c.json({ sessions: await s.sessions.list(c.get('userId'), c.get('sessionId')) });
  });

  routes.delete('/:id', async (c) => {
    const parsed = sessionIdParamSchema.safeParse(c.req.param());
    // An id that cannot be a session is just one the caller does not have.
    if (!parsed.success || !(await s.sessions.revoke(c.get('userId'), parsed.data.id))) {
      throw new PigeonError('NOT_FOUND', 'no such session');
    }
    return c.body(null, 204);
  });

  return routes;
}
