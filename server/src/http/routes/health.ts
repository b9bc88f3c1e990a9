import { Hono } from 'hono';
import { PigeonError } from '@pigeon/sync-protocol';
import type { AppEnv, HttpServices } from '../types.ts';
import { errorResponse } from '../middleware/errors.ts';

/**
 * GET /api/health → 200 { ok: true, store }; 503 once shutdown began or when the store can no
 * longer take calls (e.g. the SQLite thread died), so a balancer or supervisor acts on it.
 */
export function healthRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();
  routes.get('/', (c) => {
    if (s.isClosing()) return errorResponse(c, new PigeonError('UNAVAILABLE', 'shutting down'));
    const storeDown = s.store.unavailableReason();
    if (storeDown) return errorResponse(c, new PigeonError('UNAVAILABLE', `store unavailable: ${storeDown}`));
    return c.json({ ok: true, store: s.store.kind });
  });
  return routes;
}
