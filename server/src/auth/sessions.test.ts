import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store, UserRecord } from '../store/store.ts';
import { deriveRefreshKey, formatRefreshToken, newRefreshSecret, parseRefreshToken } from './refresh-token.ts';
import { REFRESH_REUSE_GRACE_MS, SessionService, USER_AGENT_MAX } from './sessions.ts';
import { SessionGate } from './session-gate.ts';
import { createTokenService } from './tokens.ts';

const SECRET = 'sessions-test-secret-sessions-test';
const REFRESH_TTL_S = 3600;
const dir = mkdtempSync(join(tmpdir(), 'pigeon-sessions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describe('SessionService', () => {
  let store: Store;
  let user: UserRecord;
  let now: number;
  let revoked: string[];
  let sessions: SessionService;
  const tokens = createTokenService(SECRET, 60);

  beforeEach(async () => {
    store = await createSqliteStore({ file: join(dir, `s-${++files}.sqlite`) });
    user = await store.createUser({ username: 'alice', displayName: 'Alice', passwordHash: 'h' });
    now = Date.parse('2030-01-01T00:00:00.000Z');
    revoked = [];
    sessions = new SessionService({
      store,
      tokens,
      refreshKey: deriveRefreshKey(SECRET),
      refreshTtlSeconds: REFRESH_TTL_S,
      onRevoked: (id) => revoked.push(id),
      log: createLogger('silent'),
      now: () => now,
    });
  });
  afterEach(() => store.close());

  const sessionOf = (refreshToken: string) => parseRefreshToken(refreshToken)!.sessionId;

  it('start: a session named by the user agent (cut to 256), an access token for it, a refresh token', async () => {
    const started = await sessions.start(user.id, `Agent ${'x'.repeat(400)}`);
    const sessionId = sessionOf(started.refreshToken);
    expect(await tokens.verify(started.token)).toEqual({ userId: user.id, sessionId, generation: (await store.getSession(sessionId))!.refreshHash });
    const stored = await store.getSession(sessionId);
    expect(stored?.userAgent).toHaveLength(USER_AGENT_MAX);
    expect(stored?.expiresAt).toBe(new Date(now + REFRESH_TTL_S * 1000).toISOString());
    // Only a hash is stored.
    expect(JSON.stringify(stored)).not.toContain(parseRefreshToken(started.refreshToken)!.secret);
    expect((await store.getSession(sessionOf((await sessions.start(user.id, undefined)).refreshToken)))?.userAgent).toBe('');
  });

  it('refresh rotates, slides the expiry, and the new refresh token works in turn', async () => {
    const started = await sessions.start(user.id, 'ua');
    now += 60_000;
    const first = await sessions.refresh(started.refreshToken);
    expect(first.refreshToken).not.toBe(started.refreshToken);
    expect(sessionOf(first.refreshToken)).toBe(sessionOf(started.refreshToken));
    expect(await tokens.verify(first.token)).toMatchObject({ userId: user.id });
    const stored = await store.getSession(sessionOf(first.refreshToken));
    expect(stored).toMatchObject({ lastSeenAt: new Date(now).toISOString(), expiresAt: new Date(now + REFRESH_TTL_S * 1000).toISOString() });
    now += 60_000;
    expect((await sessions.refresh(first.refreshToken)).refreshToken).not.toBe(first.refreshToken);
  });

  /** A request made with this access token, as REST and the socket handshake make it. */
  const use = async (accessToken: string) => {
    await new SessionGate(tokens, store, { now: () => now }).authenticate(accessToken);
  };

  it('the replaced token, once its successor is in use: the same successor within the grace window (two tabs); after it, revokes the session', async () => {
    const started = await sessions.start(user.id, 'ua');
    const a = await sessions.refresh(started.refreshToken);
    await use(a.token);
    const sessionId = sessionOf(started.refreshToken);
    expect((await store.getSession(sessionId))?.currentUsedAt).toBe(new Date(now).toISOString());
    now += REFRESH_REUSE_GRACE_MS - 1;
    const b = await sessions.refresh(started.refreshToken);
    expect(b.refreshToken).toBe(a.refreshToken);
    expect(revoked).toEqual([]);

    now += 1;
    await expect(sessions.refresh(started.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(revoked).toEqual([sessionId]);
    expect((await store.getSession(sessionId))?.revokedAt).toBe(new Date(now).toISOString());
    // The thief's and the owner's copies are both dead now.
    await expect(sessions.refresh(a.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('a lost answer: the replaced token keeps working at any age while nobody has used its successor', async () => {
    const started = await sessions.start(user.id, 'ua');
    await use(started.token);
    const lost = await sessions.refresh(started.refreshToken);
    // The device never saw `lost`; it comes back much later (inside the session's lifetime) with the token it has.
    now += (REFRESH_TTL_S * 1000) / 2;
    const retried = await sessions.refresh(started.refreshToken);
    expect(retried.refreshToken).toBe(lost.refreshToken);
    expect(revoked).toEqual([]);
    await use(retried.token);
    // From here on its own successor is the live token, and the chain goes on.
    const next = await sessions.refresh(retried.refreshToken);
    expect(next.refreshToken).not.toBe(retried.refreshToken);
    expect(revoked).toEqual([]);
  });

  it('the use of an older generation’s access token does not count for the current one', async () => {
    const started = await sessions.start(user.id, 'ua');
    await sessions.refresh(started.refreshToken);
    // The owner's old access token (issued with the replaced refresh token) is still valid and used.
    await use(started.token);
    expect((await store.getSession(sessionOf(started.refreshToken)))?.currentUsedAt).toBeNull();
    now += REFRESH_REUSE_GRACE_MS * 10;
    await expect(sessions.refresh(started.refreshToken)).resolves.toMatchObject({ refreshToken: expect.any(String) });
    expect(revoked).toEqual([]);
  });

  it('two concurrent refreshes with one token both succeed with the same successor', async () => {
    const started = await sessions.start(user.id, 'ua');
    const [x, y] = await Promise.all([sessions.refresh(started.refreshToken), sessions.refresh(started.refreshToken)]);
    expect(x.refreshToken).toBe(y.refreshToken);
    expect(revoked).toEqual([]);
  });

  it('an unknown secret or session is refused without revoking anything', async () => {
    const started = await sessions.start(user.id, 'ua');
    const sessionId = sessionOf(started.refreshToken);
    for (const bad of [formatRefreshToken(sessionId, newRefreshSecret()), formatRefreshToken('00000000-0000-0000-0000-000000000000', newRefreshSecret()), 'garbage']) {
      await expect(sessions.refresh(bad), bad).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect(revoked).toEqual([]);
    expect((await sessions.refresh(started.refreshToken)).token).toEqual(expect.any(String));
  });

  it('refresh tokens of revoked and expired sessions are refused', async () => {
    const a = await sessions.start(user.id, 'a');
    expect(await sessions.revoke(user.id, sessionOf(a.refreshToken))).toBe(true);
    await expect(sessions.refresh(a.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });

    const b = await sessions.start(user.id, 'b');
    now += REFRESH_TTL_S * 1000;
    await expect(sessions.refresh(b.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('revoke: only the user’s own live sessions, announced once', async () => {
    const bob = await store.createUser({ username: 'bob', displayName: 'Bob', passwordHash: 'h' });
    const mine = sessionOf((await sessions.start(user.id, 'a')).refreshToken);
    expect(await sessions.revoke(bob.id, mine)).toBe(false);
    expect(revoked).toEqual([]);
    expect(await sessions.revoke(user.id, mine)).toBe(true);
    expect(await sessions.revoke(user.id, mine)).toBe(false);
    expect(revoked).toEqual([mine]);
  });

  it('list: live sessions, most recently seen first, the asking one marked current', async () => {
    const a = sessionOf((await sessions.start(user.id, 'first')).refreshToken);
    now += 1000;
    const b = await sessions.start(user.id, 'second');
    now += 1000;
    const c = sessionOf((await sessions.start(user.id, 'third')).refreshToken);
    await sessions.revoke(user.id, c);
    now += 1000;
    await sessions.refresh(b.refreshToken);
    expect(await sessions.list(user.id, a)).toEqual([
      { id: sessionOf(b.refreshToken), userAgent: 'second', createdAt: expect.any(String), lastSeenAt: new Date(now).toISOString(), current: false },
      { id: a, userAgent: 'first', createdAt: expect.any(String), lastSeenAt: expect.any(String), current: true },
    ]);
  });
});
