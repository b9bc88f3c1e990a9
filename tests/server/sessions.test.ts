import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  connectError,
  http,
  newClientId,
  noteMongoSkip,
  register,
  roundTrip,
  sendOverRest,
  STORE_VARIANTS,
  TEST_JWT_SECRET,
  useTestServer,
  waitFor,
  type TestUser,
} from './helpers.ts';

const REFRESH_TOKEN_RE = /^[A-Za-z0-9-]+\.[A-Za-z0-9_-]{43}$/;

/** An access token signed with the servers' key: only the session check can refuse it. */
const sign = (claims: Record<string, unknown>, sub: string) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer('pigeon')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));

const sessionIdOf = (refreshToken: string) => refreshToken.slice(0, refreshToken.indexOf('.'));

/** A second session (device) of a registered user. */
async function login(url: string, u: TestUser, userAgent?: string) {
  const res = await http(url, '/api/auth/login', {
    json: { username: u.user.username, password: u.password },
    headers: userAgent === undefined ? {} : { 'user-agent': userAgent },
  });
  expect(res.status).toBe(200);
  return res.body as { token: string; refreshToken: string };
}

const refresh = (url: string, refreshToken: string) => http(url, '/api/auth/refresh', { json: { refreshToken } });
const me = async (url: string, token: string) => (await http(url, '/api/users/me', { token })).status;

describe.each(STORE_VARIANTS)('sessions on $kind', (variant) => {
  // The default 30 s reuse grace, and a server without any (a replay is at once a reuse).
  const t = useTestServer(variant);
  const strict = useTestServer(variant, { testHooks: { refreshReuseGraceMs: 0 } });

  it('register and login each start a session and return a refresh token with the access token', async () => {
    const u = await register(t.url);
    expect(u.refreshToken).toMatch(REFRESH_TOKEN_RE);
    const second = await login(t.url, u);
    expect(second.refreshToken).toMatch(REFRESH_TOKEN_RE);
    expect(sessionIdOf(second.refreshToken)).not.toBe(sessionIdOf(u.refreshToken));
    const payload = JSON.parse(Buffer.from(u.token.split('.')[1]!, 'base64url').toString());
    expect(payload).toMatchObject({ sub: u.id, sid: sessionIdOf(u.refreshToken), iss: 'pigeon' });
    // 15 minutes by default.
    expect(payload.exp - payload.iat).toBe(900);
  });

  it('refresh rotates; within the grace window the old token gets the same successor', async () => {
    const u = await register(t.url);
    const first = await refresh(t.url, u.refreshToken);
    expect(first).toEqual({ status: 200, body: { token: expect.any(String), refreshToken: expect.stringMatching(REFRESH_TOKEN_RE) } });
    expect(first.body.refreshToken).not.toBe(u.refreshToken);
    expect(await me(t.url, first.body.token)).toBe(200);
    const again = await refresh(t.url, u.refreshToken);
    expect(again.status).toBe(200);
    expect(again.body.refreshToken).toBe(first.body.refreshToken);
    expect((await refresh(t.url, first.body.refreshToken)).status).toBe(200);
  });

  it('two concurrent refreshes with one token both succeed with the same successor', async () => {
    const u = await register(t.url);
    const results = await Promise.all([refresh(t.url, u.refreshToken), refresh(t.url, u.refreshToken)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results[0]!.body.refreshToken).toBe(results[1]!.body.refreshToken);
    expect(await me(t.url, results[1]!.body.token)).toBe(200);
  });

  it('bad refresh requests: 400 for a malformed body, 401 for an unknown token', async () => {
    expect((await http(t.url, '/api/auth/refresh', { json: {} })).status).toBe(400);
    for (const refreshToken of ['garbage', `${randomUUID()}.${'a'.repeat(43)}`]) {
      expect(await refresh(t.url, refreshToken)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    }
  });

  it('a lost refresh answer: the replaced token, presented again past the grace window, gets the same successor while nobody has used it', async () => {
    const u = await register(strict.url);
    expect(await me(strict.url, u.token)).toBe(200);
    const lost = await refresh(strict.url, u.refreshToken);
    expect(lost.status).toBe(200);
    // The device never got `lost`; its old access token still works, and it retries.
    expect(await me(strict.url, u.token)).toBe(200);
    const retried = await refresh(strict.url, u.refreshToken);
    expect(retried).toMatchObject({ status: 200, body: { refreshToken: lost.body.refreshToken } });
    expect(await me(strict.url, retried.body.token)).toBe(200);
    expect((await refresh(strict.url, retried.body.refreshToken)).status).toBe(200);
  });

  it('a token replayed past the grace window, after its successor was used, revokes its session: tokens refused, socket disconnected', async () => {
    const u = await register(strict.url);
    const other = await login(strict.url, u);
    const socket = await strict.open(u.token);
    const otherSocket = await strict.open(other.token);
    const rotated = await refresh(strict.url, u.refreshToken);
    expect(rotated.status).toBe(200);
    // Whoever got the successor used it (a handshake counts as much as a REST call).
    (await strict.open(rotated.body.token)).disconnect();

    expect(await refresh(strict.url, u.refreshToken)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await me(strict.url, u.token)).toBe(401);
    expect(await me(strict.url, rotated.body.token)).toBe(401);
    expect((await refresh(strict.url, rotated.body.refreshToken)).status).toBe(401);
    await waitFor('the revoked session’s socket is disconnected', () => !socket.connected);
    // The user's other device is not affected.
    expect(await me(strict.url, other.token)).toBe(200);
    await roundTrip(otherSocket);
    expect(otherSocket.connected).toBe(true);
  });

  it('logout refuses the session’s token on REST and on a new handshake and ends its socket; other sessions stay', async () => {
    const u = await register(t.url);
    const other = await login(t.url, u);
    const socket = await t.open(u.token);
    const otherSocket = await t.open(other.token);
    let reason = '';
    socket.on('disconnect', (r) => (reason = r));
    expect(await me(t.url, u.token)).toBe(200);

    expect((await http(t.url, '/api/auth/logout', { method: 'POST' })).status).toBe(401);
    expect((await http(t.url, '/api/auth/logout', { method: 'POST', token: u.token })).status).toBe(204);
    expect(await me(t.url, u.token)).toBe(401);
    expect((await connectError(t.url, { token: u.token })).message).toBe('UNAUTHENTICATED');
    expect((await refresh(t.url, u.refreshToken)).status).toBe(401);
    await waitFor('the logged-out socket is disconnected', () => !socket.connected);
    // A server-side disconnect: socket.io-client does not reconnect by itself after it.
    expect(reason).toBe('io server disconnect');

    await roundTrip(otherSocket);
    expect(otherSocket.connected).toBe(true);
    expect(await me(t.url, other.token)).toBe(200);
  });

  it('GET /api/sessions lists the caller’s live sessions; DELETE revokes one of them, 404 for anything else', async () => {
    const u = await register(t.url);
    const phone = await login(t.url, u, `Phone/${'x'.repeat(300)}`);
    const stranger = await register(t.url);

    const listed = await http(t.url, '/api/sessions', { token: u.token });
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toHaveLength(2);
    const [newest, oldest] = listed.body.sessions;
    expect(newest).toEqual({ id: sessionIdOf(phone.refreshToken), userAgent: `Phone/${'x'.repeat(250)}`, createdAt: expect.any(String), lastSeenAt: expect.any(String), current: false });
    expect(oldest).toMatchObject({ id: sessionIdOf(u.refreshToken), current: true });
    const fromPhone = await http(t.url, '/api/sessions', { token: phone.token });
    expect(fromPhone.body.sessions.map((s: { current: boolean }) => s.current)).toEqual([true, false]);

    // Someone else's session, an unknown one and a malformed id all look the same.
    for (const id of [sessionIdOf(stranger.refreshToken), randomUUID(), 'x'.repeat(100)]) {
      expect(await http(t.url, `/api/sessions/${id}`, { method: 'DELETE', token: u.token })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    }
    expect(await me(t.url, stranger.token)).toBe(200);

    expect((await http(t.url, `/api/sessions/${sessionIdOf(phone.refreshToken)}`, { method: 'DELETE', token: u.token })).status).toBe(204);
    expect(await me(t.url, phone.token)).toBe(401);
    expect((await http(t.url, `/api/sessions/${sessionIdOf(phone.refreshToken)}`, { method: 'DELETE', token: u.token })).status).toBe(404);
    expect((await http(t.url, '/api/sessions', { token: u.token })).body.sessions.map((s: { id: string }) => s.id)).toEqual([sessionIdOf(u.refreshToken)]);
    expect((await http(t.url, '/api/sessions')).status).toBe(401);
  });

  it('a correctly signed token for a user or session that does not exist is refused, and sends around it still commit', async () => {
    const [a, b] = [await register(t.url), await register(t.url)];
    const forged = [
      await sign({ sid: randomUUID() }, randomUUID()), // no such user, no such session
      await sign({ sid: randomUUID() }, a.id), // a real user, no such session
      await sign({ sid: sessionIdOf(a.refreshToken) }, b.id), // a real session of someone else
    ];
    const sends = Array.from({ length: 20 }, (_, i) => sendOverRest(t.url, a.token, b.id, `m${i}`));
    const refused = forged.map((token) => http(t.url, '/api/messages', { token, json: { clientId: newClientId(), to: b.id, body: 'forged' } }));
    for (const res of await Promise.all(refused)) expect(res).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect((await Promise.all(sends)).map((r) => r.status)).toEqual(Array(20).fill(201));
    for (const token of forged) expect((await connectError(t.url, { token })).message).toBe('UNAUTHENTICATED');
    expect((await sendOverRest(t.url, b.token, a.id, 'still fine')).status).toBe(201);
  });

  it('an old-style token without a session id is refused on REST and on the socket', async () => {
    const u = await register(t.url);
    const old = await sign({}, u.id);
    expect(await me(t.url, old)).toBe(401);
    expect((await connectError(t.url, { token: old })).message).toBe('UNAUTHENTICATED');
  });
});

noteMongoSkip('sessions');
