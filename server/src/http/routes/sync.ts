import { Hono } from 'hono';
import { decodeSyncCursor, encodeSyncCursor, syncQuerySchema, withMessageDefaults } from '@pigeon/sync-protocol';
import type { AppEnv, HttpServices } from '../types.ts';
import { readQuery } from '../validate.ts';

/**
 * GET /api/sync?since=&limit=&omit= — every message created or re-statused after the
 * cursor, in change-log order. The cursor never goes backwards, so a client that
 * stores each page with its cursor can't skip anything. A message changed by an action (react,
 * edit, delete; a hide in the hider's feed only, with `hiddenAt`) comes again, in its latest state,
 * with every v2 field (withMessageDefaults). `omit=own-delivered` (an extension, store.ts
 * FeedOptions) leaves out the caller's own delivered markings of what it received.
 */
export function syncRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();
  routes.get('/', async (c) => {
    const { since, limit, omit } = readQuery(c, syncQuerySchema);
    const page = await s.store.changesSince(c.get('userId'), decodeSyncCursor(since), limit, { omitOwnDelivered: omit === 'own-delivered' });
    return c.json({ messages: page.messages.map(withMessageDefaults), cursor: encodeSyncCursor(page.position), hasMore: page.hasMore });
  });
  return routes;
}
