import { Hono } from 'hono';
import { loginBodySchema, PigeonError, registerBodySchema } from '@pigeon/sync-protocol';
import { decoyHash, hashPassword, verifyPassword } from '../../auth/password.ts';
import { toPublicUser } from '../../users/public-user.ts';
import type { AppEnv, HttpServices } from '../types.ts';
import { readJson } from '../validate.ts';

/**
 * POST /api/auth/register → 201 { token, refreshToken, user }; POST /api/auth/login → 200 { token, refreshToken, user }.
 * Each starts a session (auth/sessions.ts) named by the client's User-Agent.
 */
export function authRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  routes.post('/register', async (c) => {
    const body = await readJson(c, registerBodySchema);
    // Registering reveals whether a name is taken anyway (409); checking first saves a wasted scrypt run.
    if (await s.store.findUserByUsername(body.username)) {
      throw new PigeonError('USERNAME_TAKEN', 'username is taken');
    }
    const passwordHash = await hashPassword(body.password);
    // A concurrent registration of the same name still loses here: the store throws USERNAME_TAKEN.
    const record = await s.store.createUser({
      username: body.username,
      displayName: body.displayName ?? body.username,
      passwordHash,
    });
    s.users.remember(record.id);
    const tokens = await s.sessions.start(record.id, c.req.header('user-agent'));
    return c.json({ ...tokens, user: toPublicUser(record, false) }, 201);
  });

  routes.post('/login', async (c) => {
    const body = await readJson(c, loginBodySchema);
    const record = await s.store.findUserByUsername(body.username);
    // Unknown users are checked against a decoy hash: same scrypt work, same answer, same timing.
    const valid = await verifyPassword(body.password, record?.passwordHash ?? (await decoyHash()));
    if (!record || !valid) throw new PigeonError('INVALID_CREDENTIALS', 'wrong username or password');
    s.users.remember(record.id);
    const online = (await s.presence.onlineAmong([record.id])).has(record.id);
    const tokens = await s.sessions.start(record.id, c.req.header('user-agent'));
    return c.json({ ...tokens, user: toPublicUser(record, online) }, 200);
  });

  return routes;
}
