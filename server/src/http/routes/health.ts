import { Hono } from 'hono';
import { PigeonError } from '@pigeon/sync-protocol';
import type { AppEnv, HttpServices } from '../types.ts';
import { errorResponse } from '../middleware/errors.ts';

/** GET /api/health → 200 { ok: true, store }; 503 once shutdown began, so a balancer stops routing here. */
export function healthRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();
  routes.get('/', (c) => {
    if (s.isClosing()) return errorResponse(c, new PigeonError('UNAVAILABLE', 'shutting down'));
    return c.json({ ok: true, store: s.store.kind });
  });
  return routes;
}
