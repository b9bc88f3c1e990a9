import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Logger } from './log.ts';
import { requireAuth } from './http/middleware/auth.ts';
import { bodyLimit } from './http/middleware/body-limit.ts';
import { compressJson } from './http/middleware/compress-json.ts';
import { createErrorHandler, notFound } from './http/middleware/errors.ts';
import { requestLog } from './http/middleware/request-log.ts';
import { securityHeaders } from './http/middleware/security-headers.ts';
import { attachmentRoutes } from './http/routes/attachments.ts';
import { authRoutes } from './http/routes/auth.ts';
import { conversationRoutes } from './http/routes/conversations.ts';
import { healthRoutes } from './http/routes/health.ts';
import { messageActionRoutes } from './http/routes/message-actions.ts';
import { messageSearchRoutes } from './http/routes/message-search.ts';
import { messageRoutes } from './http/routes/messages.ts';
import { profileRoutes } from './http/routes/profile.ts';
import { pushRoutes } from './http/routes/push.ts';
import { refreshRoutes } from './http/routes/refresh.ts';
import { sessionRoutes } from './http/routes/sessions.ts';
import { syncRoutes } from './http/routes/sync.ts';
import { userRoutes } from './http/routes/users.ts';
import type { AppEnv, HttpServices } from './http/types.ts';
import { serveClient } from './static.ts';

/**
 * The HTTP surface: /api (JSON, contract errors) and the PWA at /.
 *
 *   /api/health            public
 *   /api/auth/*            public (register, login, refresh), except /api/auth/logout: Bearer JWT
 *   /api/users, /api/messages, /api/conversations, /api/sync, /api/sessions, /api/attachments, /api/push    Bearer JWT (and a live session)
 *   anything else under /api → 404 NOT_FOUND (JSON)
 *   other GETs → client/dist (SPA fallback)
 */
export function createApp(s: HttpServices, log: Logger, options: { trustProxy?: boolean } = {}) {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(log));
  app.notFound(notFound);

  app.use('*', requestLog(log));
  app.use('*', securityHeaders({ trustProxy: options.trustProxy ?? false }));
  // Bearer tokens, no cookies: a cross-origin page can't act for a user, so any origin may call (dev server, tools).
  // Uploads send Content-Range; downloads use Range/If-None-Match and read Content-Range/ETag (api.md, "Attachments").
  app.use(
    '/api/*',
    cors({
      origin: '*',
      allowHeaders: ['Authorization', 'Content-Type', 'Content-Range', 'Range', 'If-None-Match', 'If-Range'],
      exposeHeaders: ['Content-Range', 'Content-Length', 'ETag', 'Content-Disposition', 'Retry-After'],
      maxAge: 600,
    }),
  );
  // Uploads stream their bodies into the BlobStore under ATTACHMENT_MAX_BYTES (attachments/attachment-service.ts), not this limit.
  const jsonBodyLimit = bodyLimit();
  app.use('/api/*', (c, next) => (c.req.method === 'POST' && c.req.path === '/api/attachments' ? next() : jsonBodyLimit(c, next)));

  app.use('/api/*', compressJson());

  app.route('/api/health', healthRoutes(s));
  const authed = requireAuth(s.gate);
  app.route('/api/auth', authRoutes(s));
  app.route('/api/auth', refreshRoutes(s, authed));

  // `/x/*` also matches `/x` itself in Hono.
  for (const prefix of ['/api/users', '/api/messages', '/api/conversations', '/api/sync', '/api/sessions', '/api/attachments', '/api/push']) app.use(`${prefix}/*`, authed);
  app.route('/api/users', profileRoutes(s));
  app.route('/api/users', userRoutes(s));
  // Search first: no /api/messages/:id route may take 'search' for an id.
  app.route('/api/messages', messageSearchRoutes(s));
  app.route('/api/messages', messageRoutes(s));
  app.route('/api/messages', messageActionRoutes(s));
  app.route('/api/conversations', conversationRoutes(s));
  app.route('/api/sync', syncRoutes(s));
  app.route('/api/sessions', sessionRoutes(s));
  app.route('/api/attachments', attachmentRoutes(s));
  app.route('/api/push', pushRoutes(s));

  app.use('*', serveClient(s.clientDistDir));
  return app;
}
