import { Hono } from 'hono';
import { decodeSyncCursor, encodeSyncCursor, syncQuerySchema } from '@pigeon/sync-protocol';
import { withViewerProgress } from '../../groups/viewer-progress.ts';
import type { AppEnv, HttpServices } from '../types.ts';
import { readQuery } from '../validate.ts';

/**
 * GET /api/sync?since=&limit= — every message created or re-statused after the
 * cursor, in change-log order. The cursor never goes backwards, so a client that
 * stores each page with its cursor can't skip anything. Other members' group messages carry at
 * least the caller's own progress (groups/viewer-progress.ts).
 */
export function syncRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();
  routes.get('/', async (c) => {
    const { since, limit } = readQuery(c, syncQuerySchema);
    const me = c.get('userId');
    const page = await s.store.changesSince(me, decodeSyncCursor(since), limit);
    const messages = await withViewerProgress(s.store, me, page.messages);
    return c.json({ messages, cursor: encodeSyncCursor(page.position), hasMore: page.hasMore });
  });
  return routes;
}
