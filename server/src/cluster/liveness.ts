/**
 * The pure decisions of node liveness (issue #14): no Redis, no clock, no sockets here, so
 * each is unit-tested on its own (liveness.test.ts). node-registry.ts and node-reaper.ts do
 * the I/O around them.
 */

export interface LivenessTimes {
  /** A node refreshes its heartbeat key this often (NODE_HEARTBEAT_MS). */
  heartbeatMs: number;
  /** The heartbeat key's TTL: a node silent this long is dead (NODE_TTL_MS). */
  ttlMs: number;
  /** Every node looks for dead nodes this often (NODE_SWEEP_MS). */
  sweepMs: number;
}

/**
 * The defaults hold the bound: peers hear `user-offline` and `typing-stopped` within
 * 15 s of a node's death. The dead node's key outlives its last refresh by at most 10 s; a
 * sweep sees it gone within 2 s more; the reap itself (a few Redis round trips, a lastSeen
 * write and the announcements) leaves 3 s of margin. A live node must miss three refreshes in
 * a row (an event loop stalled for ~7–10 s, or Redis unreachable from it alone that long)
 * before it is taken for dead, and then it heals itself (node-registry.ts, re-register).
 */
export const DEFAULT_LIVENESS: LivenessTimes = { heartbeatMs: 3_000, ttlMs: 10_000, sweepMs: 2_000 };

/** Why these times cannot work together, or null. */
export function livenessProblem({ heartbeatMs, ttlMs, sweepMs }: LivenessTimes): string | null {
  if (heartbeatMs <= 0 || sweepMs <= 0) return 'NODE_HEARTBEAT_MS and NODE_SWEEP_MS must be positive';
  // One late refresh must not kill a node: the key has to outlive at least two intervals.
  if (ttlMs < 2 * heartbeatMs) return `NODE_TTL_MS (${ttlMs}) must be at least twice NODE_HEARTBEAT_MS (${heartbeatMs})`;
  return null;
}

/** The longest a dead node's users stay "online" for their peers, reap time not counted. */
export const detectionBoundMs = ({ ttlMs, sweepMs }: LivenessTimes): number => ttlMs + sweepMs;

/**
 * May this node judge other nodes dead now? Only once its own link to Redis has been up
 * for a whole TTL: right after an outage every node's key may have expired, and a node
 * that is alive re-registers within one heartbeat of its link coming back. Judging sooner
 * would announce connected users offline.
 */
export function mayJudge(now: number, linkUpSince: number | null, ttlMs: number): boolean {
  return linkUpSince !== null && now - linkUpSince >= ttlMs;
}

/** The registered nodes, other than `self`, whose heartbeat key is gone. */
export function deadNodes(self: string, registered: readonly { id: string; alive: boolean }[]): string[] {
  return registered.filter((n) => n.id !== self && !n.alive).map((n) => n.id);
}

/** Of a dead node's users, the ones to announce offline: those with no socket on any live node. */
export function usersToAnnounce(deadNodeUsers: readonly string[], onlineOnLiveNodes: ReadonlySet<string>): string[] {
  return [...new Set(deadNodeUsers)].filter((u) => !onlineOnLiveNodes.has(u));
}

/** Of a dead node's typing indicators, the ones to stop: those no live node has active. */
export function typingToStop(deadNodePairs: readonly string[], activeOnLiveNodes: ReadonlySet<string>): string[] {
  return [...new Set(deadNodePairs)].filter((p) => !activeOnLiveNodes.has(p));
}

/**
 * The lastSeen written for a dead node's users: its last heartbeat, since it died within
 * one interval after it (a closer figure than the time of the reap, which comes up to
 * TTL + sweep later). The reap time when the heartbeat is unknown.
 */
export function lastSeenOf(lastHeartbeatMs: number | null, reapedAtMs: number): string {
  const at = lastHeartbeatMs !== null && lastHeartbeatMs > 0 && lastHeartbeatMs <= reapedAtMs ? lastHeartbeatMs : reapedAtMs;
  return new Date(at).toISOString();
}
