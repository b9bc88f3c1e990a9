import { Hono } from 'hono';
import { decodeSyncCursor, encodeSyncCursor, syncQuerySchema } from '@pigeon/sync-protocol';
import type { AppEnv, HttpServices } from '../types.ts';
import { readQuery } from '../validate.ts';

/**
 * GET /api/sync?since=&limit= — every message created or re-statused after the
 * cursor, in change-log order. The cursor never goes backwards, so a client that
 * stores each page with its cursor can't skip anything.
 */
export function syncRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();
  routes.get('/', async (c) => {
    const { since, limit } = readQuery(c, syncQuerySchema);
    const page = await s.store.changesSince(c.get('userId'), decodeSyncCursor(since), limit);
    return c.json({ messages: page.messages, cursor: encodeSyncCursor(page.position), hasMore: page.hasMore });
  });
  return routes;
}
