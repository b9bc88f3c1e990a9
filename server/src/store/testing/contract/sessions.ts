import { describe, expect, it } from 'vitest';
import type { NewSession, RotateRequest, UserRecord } from '../../store.ts';
import { ISO_RE, type ContractFixture } from './fixture.ts';

const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

export function describeSessionsContract(fx: ContractFixture): void {
  const { user } = fx;

  const newSession = (u: UserRecord, over: Partial<NewSession> = {}): NewSession => ({
    userId: u.id,
    userAgent: 'Agent/1.0',
    refreshHash: `hash-${Math.random().toString(36).slice(2)}`,
    createdAt: iso(Date.now()),
    expiresAt: iso(Date.now() + HOUR),
    ...over,
  });

  const rotation = (sessionId: string, presentedHash: string, nextHash: string, at = Date.now()): RotateRequest => ({
    sessionId,
    presentedHash,
    nextHash,
    at: iso(at),
    expiresAt: iso(at + 2 * HOUR),
  });

  describe('sessions', () => {
    it('createSession returns the full record, and getSession reads it back', async () => {
      const u = await user();
      const created = await fx.store.createSession(newSession(u, { userAgent: 'Firefox', refreshHash: 'h0' }));
      expect(created).toEqual({
        id: expect.any(String),
        userId: u.id,
        userAgent: 'Firefox',
        createdAt: expect.stringMatching(ISO_RE),
        lastSeenAt: created.createdAt,
        expiresAt: expect.stringMatching(ISO_RE),
        revokedAt: null,
        refreshHash: 'h0',
        previousRefreshHash: null,
        rotatedAt: null,
        currentUsedAt: null,
      });
      // A refresh token is `<id>.<secret>`: the id must not contain the separator.
      expect(created.id).not.toContain('.');
      expect(await fx.store.getSession(created.id)).toEqual(created);
      expect(await fx.store.getSession('no-such-session')).toBeNull();
      const other = await fx.store.createSession(newSession(u));
      expect(other.id).not.toBe(created.id);
    });

    it('listSessions: only the user’s live sessions, most recently seen first', async () => {
      const [u, v] = [await user(), await user()];
      const now = Date.now();
      const old = await fx.store.createSession(newSession(u, { createdAt: iso(now - 3 * HOUR) }));
      const recent = await fx.store.createSession(newSession(u, { createdAt: iso(now - HOUR) }));
      const middle = await fx.store.createSession(newSession(u, { createdAt: iso(now - 2 * HOUR) }));
      await fx.store.createSession(newSession(u, { createdAt: iso(now - 4 * HOUR), expiresAt: iso(now - 1) })); // expired
      const revoked = await fx.store.createSession(newSession(u));
      await fx.store.createSession(newSession(v)); // someone else's
      expect(await fx.store.revokeSession(u.id, revoked.id, iso(now))).toBe(true);

      const listed = await fx.store.listSessions(u.id, iso(now));
      expect(listed.map((s) => s.id)).toEqual([recent.id, middle.id, old.id]);

      // A refresh moves a session to the front (lastSeenAt).
      await fx.store.rotateSession(rotation(old.id, old.refreshHash, 'next', now));
      expect((await fx.store.listSessions(u.id, iso(now))).map((s) => s.id)).toEqual([old.id, recent.id, middle.id]);
      // `now` decides what has expired.
      expect(await fx.store.listSessions(u.id, iso(now + 1.5 * HOUR))).toEqual([
        expect.objectContaining({ id: old.id }),
      ]);
    });

    it('revokeSession: true once, then false; never for another user’s or an expired session', async () => {
      const [u, v] = [await user(), await user()];
      const s = await fx.store.createSession(newSession(u));
      const at = iso(Date.now());
      expect(await fx.store.revokeSession(v.id, s.id, at)).toBe(false);
      expect((await fx.store.getSession(s.id))?.revokedAt).toBeNull();
      expect(await fx.store.revokeSession(u.id, s.id, at)).toBe(true);
      expect(await fx.store.revokeSession(u.id, s.id, iso(Date.now() + 1000))).toBe(false);
      expect((await fx.store.getSession(s.id))?.revokedAt).toBe(at);
      expect(await fx.store.revokeSession(u.id, 'no-such-session', at)).toBe(false);
      const expired = await fx.store.createSession(newSession(u, { expiresAt: iso(Date.parse(at) - 1) }));
      expect(await fx.store.revokeSession(u.id, expired.id, at)).toBe(false);
    });

    it('rotateSession: the current hash rotates (sliding expiry), the one it replaced is stale, others mismatch', async () => {
      const u = await user();
      const s = await fx.store.createSession(newSession(u, { refreshHash: 'h1' }));
      const at = Date.now() + 1000;
      const first = await fx.store.rotateSession(rotation(s.id, 'h1', 'h2', at));
      expect(first).toEqual({
        kind: 'rotated',
        session: {
          ...s,
          refreshHash: 'h2',
          previousRefreshHash: 'h1',
          rotatedAt: iso(at),
          lastSeenAt: iso(at),
          expiresAt: iso(at + 2 * HOUR),
        },
      });
      expect(await fx.store.getSession(s.id)).toEqual(first.kind === 'rotated' ? first.session : null);

      const again = await fx.store.rotateSession(rotation(s.id, 'h1', 'h2', at + 10));
      expect(again).toEqual({ kind: 'stale', session: first.kind === 'rotated' ? first.session : null });

      expect(await fx.store.rotateSession(rotation(s.id, 'unknown', 'x', at + 20))).toEqual({ kind: 'mismatch' });
      expect(await fx.store.rotateSession(rotation('no-such-session', 'h2', 'x', at + 20))).toEqual({ kind: 'mismatch' });

      // Two rotations later the first hash is neither current nor previous.
      expect((await fx.store.rotateSession(rotation(s.id, 'h2', 'h3', at + 30))).kind).toBe('rotated');
      expect(await fx.store.rotateSession(rotation(s.id, 'h1', 'h2', at + 40))).toEqual({ kind: 'mismatch' });
      expect(await fx.store.rotateSession(rotation(s.id, 'h2', 'h3', at + 40))).toMatchObject({ kind: 'stale' });
    });

    it('markSessionUsed: only for the current hash, only the first time; a rotation clears it', async () => {
      const u = await user();
      const s = await fx.store.createSession(newSession(u, { refreshHash: 'm1' }));
      const at = Date.now() + 1000;
      await fx.store.markSessionUsed(s.id, 'not-current', iso(at));
      expect((await fx.store.getSession(s.id))?.currentUsedAt).toBeNull();
      await fx.store.markSessionUsed(s.id, 'm1', iso(at));
      await fx.store.markSessionUsed(s.id, 'm1', iso(at + 5));
      expect((await fx.store.getSession(s.id))?.currentUsedAt).toBe(iso(at));

      const rotated = await fx.store.rotateSession(rotation(s.id, 'm1', 'm2', at + 10));
      expect(rotated).toMatchObject({ kind: 'rotated', session: { refreshHash: 'm2', currentUsedAt: null } });
      // A late use of the replaced generation's token does not count for the new one.
      await fx.store.markSessionUsed(s.id, 'm1', iso(at + 20));
      expect(await fx.store.rotateSession(rotation(s.id, 'm1', 'm2', at + 30))).toMatchObject({ kind: 'stale', session: { currentUsedAt: null } });
      await fx.store.markSessionUsed(s.id, 'm2', iso(at + 40));
      expect(await fx.store.rotateSession(rotation(s.id, 'm1', 'm2', at + 50))).toMatchObject({ kind: 'stale', session: { currentUsedAt: iso(at + 40) } });
      await fx.store.markSessionUsed('no-such-session', 'm2', iso(at));
    });

    it('rotateSession refuses revoked and expired sessions (mismatch), for the current and the previous hash', async () => {
      const u = await user();
      const revoked = await fx.store.createSession(newSession(u, { refreshHash: 'r1' }));
      await fx.store.rotateSession(rotation(revoked.id, 'r1', 'r2'));
      await fx.store.revokeSession(u.id, revoked.id, iso(Date.now()));
      expect(await fx.store.rotateSession(rotation(revoked.id, 'r2', 'r3'))).toEqual({ kind: 'mismatch' });
      expect(await fx.store.rotateSession(rotation(revoked.id, 'r1', 'r2'))).toEqual({ kind: 'mismatch' });

      const expiring = await fx.store.createSession(newSession(u, { refreshHash: 'e1', expiresAt: iso(Date.now() + 1000) }));
      const late = Date.now() + 2000;
      expect(await fx.store.rotateSession(rotation(expiring.id, 'e1', 'e2', late))).toEqual({ kind: 'mismatch' });
      expect((await fx.store.getSession(expiring.id))?.refreshHash).toBe('e1');
    });

    it('two concurrent rotations with the same hash: exactly one rotates, the other is stale', async () => {
      const u = await user();
      for (let round = 0; round < 5; round++) {
        const s = await fx.store.createSession(newSession(u, { refreshHash: `c${round}` }));
        const outcomes = await Promise.all([
          fx.store.rotateSession(rotation(s.id, `c${round}`, `n${round}`)),
          fx.store.rotateSession(rotation(s.id, `c${round}`, `n${round}`)),
        ]);
        expect(outcomes.map((o) => o.kind).sort(), `round ${round}`).toEqual(['rotated', 'stale']);
        expect((await fx.store.getSession(s.id))?.refreshHash).toBe(`n${round}`);
      }
    });

    it('purgeSessions deletes only sessions that ended (expired or revoked) before the cutoff, and counts them', async () => {
      const [u, v] = [await user(), await user()];
      const now = Date.now();
      const cutoff = now - 7 * 24 * HOUR;
      const create = (owner: UserRecord, createdAt: number, expiresAt: number) =>
        fx.store.createSession(newSession(owner, { createdAt: iso(createdAt), expiresAt: iso(expiresAt) }));
      const revoke = async (owner: UserRecord, createdAt: number, revokedAt: number) => {
        // Expiring long after the cutoff: only revokedAt can make it old enough.
        const s = await create(owner, createdAt, now + 30 * 24 * HOUR);
        expect(await fx.store.revokeSession(owner.id, s.id, iso(revokedAt))).toBe(true);
        return s.id;
      };

      const purged = [
        (await create(u, cutoff - 40 * 24 * HOUR, cutoff - 1)).id, // expired just before the cutoff
        (await create(v, cutoff - 40 * 24 * HOUR, cutoff - 24 * HOUR)).id, // another user's: the purge is global
        await revoke(u, cutoff - 2 * HOUR, cutoff - HOUR), // revoked before the cutoff, not expired
      ];
      const kept = [
        (await create(u, now, now + HOUR)).id, // live
        (await create(u, cutoff - 30 * 24 * HOUR, cutoff)).id, // expired exactly at the cutoff: not before it
        (await create(u, cutoff - 30 * 24 * HOUR, cutoff + HOUR)).id, // expired, but after the cutoff
        await revoke(u, cutoff - 2 * HOUR, cutoff + HOUR), // revoked after the cutoff (created before it)
      ];
      const keptBefore = await Promise.all(kept.map((id) => fx.store.getSession(id)));
      const listedBefore = await fx.store.listSessions(u.id, iso(now));

      expect(await fx.store.purgeSessions(iso(cutoff))).toBe(purged.length);
      for (const id of purged) expect(await fx.store.getSession(id), id).toBeNull();
      expect(await Promise.all(kept.map((id) => fx.store.getSession(id)))).toEqual(keptBefore);
      expect(await fx.store.listSessions(u.id, iso(now))).toEqual(listedBefore);

      // Idempotent: nothing more to do at the same cutoff.
      expect(await fx.store.purgeSessions(iso(cutoff))).toBe(0);
      // A later cutoff reaches the recently ended ones, never a live one.
      expect(await fx.store.purgeSessions(iso(now))).toBe(3);
      expect(await fx.store.getSession(kept[0]!)).toEqual(keptBefore[0]);
    });

    it('two purges at once (every node runs one): both succeed and the ended sessions are gone', async () => {
      const u = await user();
      const now = Date.now();
      const ended = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          fx.store.createSession(newSession(u, { createdAt: iso(now - 3 * HOUR), expiresAt: iso(now - HOUR - i) })),
        ),
      );
      const live = await fx.store.createSession(newSession(u));
      const counts = await Promise.all([fx.store.purgeSessions(iso(now)), fx.store.purgeSessions(iso(now))]);
      for (const n of counts) expect(n).toBeGreaterThanOrEqual(0);
      expect(Math.max(...counts)).toBeGreaterThan(0);
      for (const s of ended) expect(await fx.store.getSession(s.id)).toBeNull();
      expect(await fx.store.getSession(live.id)).toEqual(live);
    });

    it('setPasswordHash replaces the hash and nothing else', async () => {
      const u = await user();
      await fx.store.setPasswordHash(u.id, 'stronger-hash');
      expect(await fx.store.findUserByUsername(u.username)).toEqual({ ...u, passwordHash: 'stronger-hash' });
      expect((await fx.store.getUsers([u.id]))[0]?.passwordHash).toBe('stronger-hash');
    });
  });
}
