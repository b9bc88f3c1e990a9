import { newSessionRecord } from '../new-session.ts';
import type { RotateOutcome, SessionRecord, Store } from '../store.ts';
import type { SqliteDatabase } from './database.ts';

type SessionMethods = Pick<Store, 'createSession' | 'getSession' | 'rotateSession' | 'markSessionUsed' | 'revokeSession' | 'listSessions' | 'purgeSessions'>;

interface SessionRow {
  id: string;
  user_id: string;
  user_agent: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
  refresh_hash: string;
  previous_refresh_hash: string | null;
  rotated_at: string | null;
  current_used_at: string | null;
}

const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  userId: r.user_id,
  userAgent: r.user_agent,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  refreshHash: r.refresh_hash,
  previousRefreshHash: r.previous_refresh_hash,
  rotatedAt: r.rotated_at,
  currentUsedAt: r.current_used_at,
});

/**
 * purgeSessions: one statement, two index ranges (MULTI-INDEX OR over sessions_expires_at and
 * the partial sessions_revoked_at; sqlite-store.test.ts checks the plan). NULL < ? is never
 * true, so live sessions (revoked_at NULL) are not touched by the second half.
 */
export const PURGE_SESSIONS_SQL = `DELETE FROM sessions WHERE expires_at < @endedBefore OR revoked_at < @endedBefore`;

/** Sessions on the store's connection (table `sessions`, schema version 5). */
export function sqliteSessions(db: SqliteDatabase): SessionMethods {
  const st = {
    insert: db.prepare<[string, string, string, string, string, string, string]>(`
      INSERT INTO sessions (id, user_id, user_agent, created_at, last_seen_at, expires_at, refresh_hash)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
    byId: db.prepare<[string], SessionRow>(`SELECT * FROM sessions WHERE id = ?`),
    // The compare-and-set itself: only the holder of the current hash moves it on, and only
    // while the session is live. One statement, so no other call can come in between.
    rotate: db.prepare<{ id: string; presented: string; next: string; at: string; expiresAt: string }, SessionRow>(`
      UPDATE sessions
      SET previous_refresh_hash = refresh_hash, refresh_hash = @next, rotated_at = @at,
          last_seen_at = @at, expires_at = @expiresAt, current_used_at = NULL
      WHERE id = @id AND refresh_hash = @presented AND revoked_at IS NULL AND expires_at > @at
      RETURNING *`),
    markUsed: db.prepare<{ id: string; hash: string; at: string }>(`
      UPDATE sessions SET current_used_at = @at
      WHERE id = @id AND refresh_hash = @hash AND current_used_at IS NULL`),
    revoke: db.prepare<{ id: string; userId: string; at: string }>(`
      UPDATE sessions SET revoked_at = @at
      WHERE id = @id AND user_id = @userId AND revoked_at IS NULL AND expires_at > @at`),
    listLive: db.prepare<{ userId: string; now: string }, SessionRow>(`
      SELECT * FROM sessions
      WHERE user_id = @userId AND revoked_at IS NULL AND expires_at > @now
      ORDER BY last_seen_at DESC, created_at DESC`),
    purge: db.prepare<{ endedBefore: string }>(PURGE_SESSIONS_SQL),
  };

  return {
    async createSession(s) {
      const record = newSessionRecord(s);
      st.insert.run(record.id, record.userId, record.userAgent, record.createdAt, record.lastSeenAt, record.expiresAt, record.refreshHash);
      return record;
    },

    async getSession(sessionId) {
      const row = st.byId.get(sessionId);
      return row ? toSession(row) : null;
    },

    async rotateSession({ sessionId, presentedHash, nextHash, at, expiresAt }): Promise<RotateOutcome> {
      const rotated = st.rotate.get({ id: sessionId, presented: presentedHash, next: nextHash, at, expiresAt });
      if (rotated) return { kind: 'rotated', session: toSession(rotated) };
      // Lost the race or replayed: read what is there now to tell "the one just replaced" from anything else.
      const row = st.byId.get(sessionId);
      if (!row || row.revoked_at !== null || row.expires_at <= at) return { kind: 'mismatch' };
      if (row.previous_refresh_hash === presentedHash) return { kind: 'stale', session: toSession(row) };
      return { kind: 'mismatch' };
    },

    async markSessionUsed(sessionId, refreshHash, at) {
      st.markUsed.run({ id: sessionId, hash: refreshHash, at });
    },

    async revokeSession(userId, sessionId, at) {
      return st.revoke.run({ id: sessionId, userId, at }).changes === 1;
    },

    async listSessions(userId, now) {
      return st.listLive.all({ userId, now }).map(toSession);
    },

    async purgeSessions(endedBefore) {
      return st.purge.run({ endedBefore }).changes;
    },
  };
}
