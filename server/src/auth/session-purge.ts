import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { startPeriodic, type PeriodicTimers } from '../util/periodic.ts';

/**
 * How long an ended (revoked or expired) session is kept before it is deleted.
 *
 * No answer of the API depends on it: an ended session's tokens are refused, it is left out
 * of GET /api/sessions, and it can be neither rotated (a replayed refresh token of it is a
 * 401, reuse detection included) nor revoked; a deleted session gets exactly the same answers
 * (unknown: 401, `mismatch`, NOT_FOUND). The week is a margin:
 *  - clocks differ between nodes: a node whose clock runs ahead must not delete a session that
 *    another node still sees as live (its refresh would fail early); no skew comes near a week;
 *  - after a "refresh token reused: session revoked" warning (it names the session) or a
 *    user's "I was signed out", the session's record (user agent, created, last seen, rotated,
 *    revoked) can still be looked at for a week.
 */
export const ENDED_SESSION_RETENTION_MS = 7 * 24 * 3600_000;

/** Between two purges (from the end of one to the start of the next). */
export const SESSION_PURGE_INTERVAL_MS = 3600_000;

/** The first purge, after start-up has settled. */
export const SESSION_PURGE_FIRST_DELAY_MS = 60_000;

/** The part of Node's timers the purge uses; tests pass fakes. */
export type PurgeTimers = PeriodicTimers;

export interface SessionPurgeOptions {
  store: Pick<Store, 'purgeSessions'>;
  log: Pick<Logger, 'info' | 'debug' | 'warn'>;
  retentionMs?: number;
  intervalMs?: number;
  firstDelayMs?: number;
  now?: () => number;
  /** Node's timers, unref'd (a pending purge never keeps the process alive). */
  timers?: PurgeTimers;
}

export interface SessionPurge {
  /** One purge now; resolves to how many sessions it deleted (0 when it failed, logged at warn). Never rejects. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a purge in progress, so the store can be closed after it. Idempotent. */
  close(): Promise<void>;
}

/**
 * Deletes ended sessions on a timer: the first run `firstDelayMs` after start, then one every
 * `intervalMs` after the previous one finished (a slow purge never overlaps the next). Every
 * node runs it; the purge is idempotent, so two nodes at once only find less to delete.
 */
export function startSessionPurge(o: SessionPurgeOptions): SessionPurge {
  const retentionMs = o.retentionMs ?? ENDED_SESSION_RETENTION_MS;
  const intervalMs = o.intervalMs ?? SESSION_PURGE_INTERVAL_MS;
  const now = o.now ?? Date.now;

  async function purge(): Promise<number> {
    const endedBefore = new Date(now() - retentionMs).toISOString();
    try {
      const deleted = await o.store.purgeSessions(endedBefore);
      if (deleted > 0) o.log.info({ deleted, endedBefore }, 'ended sessions purged');
      else o.log.debug({ endedBefore }, 'no ended sessions to purge');
      return deleted;
    } catch (err) {
      o.log.warn({ err, endedBefore }, 'purging ended sessions failed; trying again at the next interval');
      return 0;
    }
  }

  // Every node runs it; a call while one runs shares it (the second would find nothing more to delete).
  return startPeriodic({ run: purge, idle: 0, firstDelayMs: o.firstDelayMs ?? SESSION_PURGE_FIRST_DELAY_MS, intervalMs, timers: o.timers });
}
