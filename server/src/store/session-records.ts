/** What the stores keep of signed-in devices (contract v2, "Sessions"): part of the one Store interface (store.ts). */

/**
 * One signed-in device. The refresh token is `<id>.<secret>`; only a hash of the secret
 * is kept (`refreshHash`), plus the hash it replaced (`previousRefreshHash`, at
 * `rotatedAt`) so a second presentation of the old one can be told from an unknown one.
 */
export interface SessionRecord {
  id: string;
  userId: string;
  userAgent: string;
  createdAt: string;
  /** Creation or last refresh. */
  lastSeenAt: string;
  /** The refresh token stops working then (sliding: moved forward by every refresh). */
  expiresAt: string;
  revokedAt: string | null;
  refreshHash: string;
  previousRefreshHash: string | null;
  rotatedAt: string | null;
  /**
   * When an access token issued with the current refresh token was first presented
   * (markSessionUsed); null until then, and again after every rotation. A replaced refresh
   * token presented while this is null cannot be a thief's replay after the owner moved on:
   * nobody has used its successor yet (auth/sessions.ts).
   */
  currentUsedAt: string | null;
}

export interface NewSession {
  userId: string;
  userAgent: string;
  refreshHash: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * Result of a compare-and-set rotation: `rotated` when `presentedHash` was the current
 * hash (now replaced); `stale` when it was the previous one (the session is returned
 * unchanged, so the caller can judge the grace window); `mismatch` otherwise, or when
 * the session is unknown, revoked or expired.
 */
export type RotateOutcome =
  | { kind: 'rotated'; session: SessionRecord }
  | { kind: 'stale'; session: SessionRecord }
  | { kind: 'mismatch' };

export interface RotateRequest {
  sessionId: string;
  presentedHash: string;
  nextHash: string;
  at: string;
  expiresAt: string;
}
