import { Hono } from 'hono';
import { isPigeonError, loginBodySchema, PigeonError, registerBodySchema } from '@pigeon/sync-protocol';
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
    await s.authLimits.beforeRegister(s.clientAddress(c));
    // The hash comes first, whether or not the name is free: a taken name must not answer faster
    // (9 ms against 380 ms let anyone list usernames by timing, issue #13).
    const passwordHash = await s.passwords.hash(body.password);
    // A taken name (or a concurrent registration of it) fails here: the store throws USERNAME_TAKEN.
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
    const address = s.clientAddress(c);
    // Before any hashing: a refused attempt (flooding address, username under attack) costs no scrypt run.
    await s.authLimits.beforeLogin(address, body.username);
    // Unknown users are checked against a decoy hash: same scrypt work, same answer, same timing.
    const record = await s.passwords.verifyUser(body.password, () => s.store.findUserByUsername(body.username)).catch(async (err: unknown) => {
      // The hash queue was full: the password was never checked, so the attempt does not count.
      if (isPigeonError(err) && err.code === 'RATE_LIMITED') await s.authLimits.notAttempted(address, body.username);
      throw err;
    });
    if (!record) {
      // Never the password; the username cut short so a pasted secret does not end up whole in the log.
      s.log.warn({ username: body.username.slice(0, 32), address }, 'login failed');
      throw new PigeonError('INVALID_CREDENTIALS', 'wrong username or password');
    }
    await s.authLimits.loginSucceeded(address, body.username);
    await s.passwords.upgradeIfWeak(record.id, body.password, record.passwordHash);
    s.users.remember(record.id);
    const online = (await s.presence.onlineAmong([record.id])).has(record.id);
    const tokens = await s.sessions.start(record.id, c.req.header('user-agent'));
    return c.json({ ...tokens, user: toPublicUser(record, online) }, 200);
  });

  return routes;
}
