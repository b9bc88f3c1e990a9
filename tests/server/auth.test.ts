import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  connect,
  connectError,
  http,
  noteMongoSkip,
  register,
  STORE_VARIANTS,
  TEST_JWT_SECRET,
  uniqueName,
  useTestServer,
} from './helpers.ts';

/** An access token for a real session (`sid`), with the claims a test wants to get wrong. */
const sign = (claims: { sub: string; sid: string; exp: number; iss?: string }, secret = TEST_JWT_SECRET) =>
  new SignJWT({ sid: claims.sid })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(claims.iss ?? 'pigeon')
    .setIssuedAt(claims.exp - 60)
    .setExpirationTime(claims.exp)
    .sign(new TextEncoder().encode(secret));

describe.each(STORE_VARIANTS)('auth and users on $kind', (variant) => {
  const t = useTestServer(variant);

  it('GET /api/health names the store', async () => {
    expect(await http(t.url, '/api/health')).toEqual({ status: 200, body: { ok: true, store: variant.kind } });
  });

  it('registers (201), logs in (200) and returns the same user, never a hash', async () => {
    const username = uniqueName('Reg');
    const reg = await http(t.url, '/api/auth/register', { json: { username, password: 'correct horse', displayName: ' Reggie ' } });
    expect(reg.status).toBe(201);
    expect(reg.body.user).toEqual({ id: expect.any(String), username: username.toLowerCase(), displayName: 'Reggie', online: false, lastSeen: null, about: '', avatar: null, profileVersion: 0 });
    expect(typeof reg.body.token).toBe('string');
    expect(typeof reg.body.refreshToken).toBe('string');

    const login = await http(t.url, '/api/auth/login', { json: { username: username.toUpperCase(), password: 'correct horse' } });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(reg.body.user.id);
    expect(JSON.stringify([reg.body, login.body])).not.toMatch(/scrypt|passwordHash/);

    const me = await http(t.url, '/api/users/me', { token: login.body.token });
    expect(me).toMatchObject({ status: 200, body: { user: { id: reg.body.user.id, username: username.toLowerCase() } } });
  });

  it('refuses a taken username case-insensitively with 409 USERNAME_TAKEN', async () => {
    const username = uniqueName('taken');
    expect((await http(t.url, '/api/auth/register', { json: { username, password: 'password1' } })).status).toBe(201);
    const again = await http(t.url, '/api/auth/register', { json: { username: username.toUpperCase(), password: 'password2' } });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'USERNAME_TAKEN' } } });
  });

  it('two concurrent registrations of one name: exactly one wins', async () => {
    const username = uniqueName('race');
    const results = await Promise.all([1, 2, 3].map(() => http(t.url, '/api/auth/register', { json: { username, password: 'password1' } })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it('bad input is 400 VALIDATION naming the field', async () => {
    const cases = [
      { username: 'ab', password: 'password1' },
      { username: 'has space', password: 'password1' },
      { username: uniqueName('ok'), password: 'short' },
      { username: uniqueName('ok') },
      'not an object',
    ];
    for (const json of cases) {
      const res = await http(t.url, '/api/auth/register', { json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
      expect(typeof res.body.error.message).toBe('string');
    }
  });

  it('wrong password and unknown user get the same 401 INVALID_CREDENTIALS', async () => {
    const u = await register(t.url);
    const wrong = await http(t.url, '/api/auth/login', { json: { username: u.user.username, password: 'not-the-password' } });
    const unknown = await http(t.url, '/api/auth/login', { json: { username: uniqueName('ghost'), password: 'whatever1' } });
    expect(wrong).toEqual({ status: 401, body: { error: { code: 'INVALID_CREDENTIALS', message: expect.any(String) } } });
    expect(unknown).toEqual(wrong);
  });

  it('REST refuses missing, garbage, forged and expired tokens with 401 UNAUTHENTICATED', async () => {
    const u = await register(t.url);
    const sid = u.refreshToken.split('.')[0]!;
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      undefined,
      'garbage',
      await sign({ sub: u.id, sid, exp: now - 10 }), // expired
      await sign({ sub: u.id, sid, exp: now + 3600 }, 'another-secret-another-secret!!'), // forged
      await sign({ sub: u.id, sid, exp: now + 3600, iss: 'someone-else' }),
    ];
    for (const token of tokens) {
      const res = await http(t.url, '/api/users/me', { token });
      expect(res, String(token)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    }
    expect((await http(t.url, '/api/users/me', { token: await sign({ sub: u.id, sid, exp: now + 3600 }) })).status).toBe(200);
    expect((await http(t.url, '/api/sync', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
  });

  it('the socket handshake refuses bad tokens with connect_error UNAUTHENTICATED', async () => {
    const u = await register(t.url);
    const expired = await sign({ sub: u.id, sid: u.refreshToken.split('.')[0]!, exp: Math.floor(Date.now() / 1000) - 10 });
    for (const auth of [{}, { token: 'garbage' }, { token: expired }, { token: 42 }]) {
      const err = await connectError(t.url, auth);
      expect(err.message, JSON.stringify(auth)).toBe('UNAUTHENTICATED');
    }
    const ok = await connect(t.url, u.token);
    expect(ok.connected).toBe(true);
    ok.close();
  });

  it('searches users by prefix (username or display name), without the caller', async () => {
    const tag = uniqueName('srch');
    const me = await register(t.url, `${tag}a`);
    const other = await register(t.url, `${tag}b`, 'Zelda Search');
    const byName = await http(t.url, `/api/users?q=${tag}`, { token: me.token });
    expect(byName.status).toBe(200);
    expect(byName.body.users.map((u: { id: string }) => u.id)).toEqual([other.id]);
    const byDisplay = await http(t.url, `/api/users?q=zelda%20sea`, { token: me.token });
    expect(byDisplay.body.users.map((u: { id: string }) => u.id)).toContain(other.id);
    expect(JSON.stringify(byDisplay.body)).not.toMatch(/passwordHash|scrypt/);
    expect((await http(t.url, `/api/users?q=${'x'.repeat(100)}`, { token: me.token })).status).toBe(400);
  });
});

noteMongoSkip('auth and users');
