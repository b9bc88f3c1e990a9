import { randomUUID } from 'node:crypto';
import type { NewSession, SessionRecord } from './store.ts';

/** The record a new session starts as, the same on every store: live, seen at creation, never rotated. */
export function newSessionRecord(s: NewSession): SessionRecord {
  return {
    id: randomUUID(),
    userId: s.userId,
    userAgent: s.userAgent,
    createdAt: s.createdAt,
    lastSeenAt: s.createdAt,
    expiresAt: s.expiresAt,
    revokedAt: null,
    refreshHash: s.refreshHash,
    previousRefreshHash: null,
    rotatedAt: null,
    currentUsedAt: null,
  };
}
