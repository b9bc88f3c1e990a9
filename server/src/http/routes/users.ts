import { Hono } from 'hono';
import { directConversationId as directConversationIdOf, LIMITS, PigeonError, userIdSchema, userLookupQuerySchema, userSearchQuerySchema } from '@pigeon/sync-protocol';
import { z } from 'zod';
import { toPublicUser, withoutPresence } from '../../users/public-user.ts';
import type { AppEnv, HttpServices } from '../types.ts';
import { readQuery } from '../validate.ts';

const userIdParam = z.object({ id: userIdSchema });

/**
 * GET /api/users/me; GET /api/users?q= (directory search: prefix of username or display
 * name, at least 2 characters, never the caller, never a hash, never presence);
 * GET /api/users?ids=a,b (profiles by id, for naming group members and senders);
 * POST/DELETE /api/users/:id/block; GET /api/users/blocked.
 */
export function userRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  /** Profiles by id; presence only where the Audience allows (fellow members, contacts). Unknown ids are left out. */
  async function lookUp(me: string, ids: string[]) {
    const [records, online, visible] = await Promise.all([
      s.store.getUsers(ids),
      s.presence.onlineAmong(ids),
      s.audience.visibleAmong(me, ids),
    ]);
    return records.map((r) => (visible.has(r.id) ? toPublicUser(r, online.has(r.id)) : withoutPresence(r)));
  }

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
    if (c.req.query('ids') !== undefined) return c.json({ users: await lookUp(me, readQuery(c, userLookupQuerySchema).ids) });
    const { q } = readQuery(c, userSearchQuerySchema);
    // One extra row so dropping the caller still leaves a full page.
    const records = (await s.store.searchUsers(q, LIMITS.userSearchMax + 1))
      .filter((r) => r.id !== me)
      .slice(0, LIMITS.userSearchMax);
    for (const r of records) s.users.remember(r.id);
    // A directory is for finding people, not for watching them: no online flag, no last seen.
    return c.json({ users: records.map(withoutPresence) });
  });

  routes.get('/blocked', async (c) => {
    const ids = [...(await s.audience.blocks.blockedBy(c.get('userId')))];
    const records = await s.store.getUsers(ids);
    return c.json({ users: records.map(withoutPresence) });
  });

  routes.post('/:id/block', async (c) => {
    const me = c.get('userId');
    const { id } = readParams(c.req.param());
    if (id === me) throw new PigeonError('VALIDATION', 'id: cannot block yourself');
    if (!(await s.users.exists(id))) throw new PigeonError('NOT_FOUND', 'id: no such user');
    await s.audience.blocks.block(me, id);
    // Whatever the blocked person was shown about the blocker ends now (their list shows offline).
    s.fanout.emit([id], 'user-offline', { userId: me });
    s.fanout.emit([id], 'typing-stopped', { from: me, conversationId: directConversationIdOf(me, id) });
    return c.body(null, 204);
  });

  routes.delete('/:id/block', async (c) => {
    const me = c.get('userId');
    const { id } = readParams(c.req.param());
    await s.audience.blocks.unblock(me, id);
    // The unblocked person sees the blocker's presence again at once (if the rules allow it now).
    if ((await s.presence.onlineAmong([me])).has(me) && (await s.audience.canSee(id, me))) {
      s.fanout.emit([id], 'user-online', { userId: me });
    }
    return c.body(null, 204);
  });

  return routes;
}

function readParams(params: Record<string, string>) {
  const parsed = userIdParam.safeParse(params);
  if (!parsed.success) throw new PigeonError('VALIDATION', 'id: invalid user id');
  return parsed.data;
}
