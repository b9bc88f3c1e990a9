import { Hono } from 'hono';
import { LIMITS, PigeonError, userSearchQuerySchema } from '@pigeon/sync-protocol';
import { toPublicUser } from '../../users/public-user.ts';
import type { AppEnv, HttpServices } from '../types.ts';
import { readQuery } from '../validate.ts';

/** GET /api/users/me, GET /api/users?q= (prefix search, never the caller, never a hash). */
export function userRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  routes.get('/me', async (c) => {
    const me = c.get('userId');
    const [record] = await s.store.getUsers([me]);
    // A valid token for a user that no longer exists (e.g. a wiped data dir with a kept JWT_SECRET).
    if (!record) throw new PigeonError('UNAUTHENTICATED', 'account not found');
    const online = (await s.presence.onlineAmong([me])).has(me);
    return c.json({ user: toPublicUser(record, online) });
  });

  routes.get('/', async (c) => {
    const me = c.get('userId');
    const { q } = readQuery(c, userSearchQuerySchema);
    // One extra row so dropping the caller still leaves a full page.
    const records = (await s.store.searchUsers(q, LIMITS.userSearchMax + 1))
      .filter((r) => r.id !== me)
      .slice(0, LIMITS.userSearchMax);
    for (const r of records) s.users.remember(r.id);
    const online = await s.presence.onlineAmong(records.map((r) => r.id));
    return c.json({ users: records.map((r) => toPublicUser(r, online.has(r.id))) });
  });

  return routes;
}
