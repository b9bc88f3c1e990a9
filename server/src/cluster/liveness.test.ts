import { describe, expect, it } from 'vitest';
import { DEFAULT_LIVENESS, deadNodes, detectionBoundMs, lastSeenOf, livenessProblem, mayJudge, typingToStop, usersToAnnounce } from './liveness.ts';

describe('liveness decisions', () => {
  it('the defaults detect a dead node within the 15 s bound with room for the reap', () => {
    expect(livenessProblem(DEFAULT_LIVENESS)).toBeNull();
    expect(detectionBoundMs(DEFAULT_LIVENESS)).toBeLessThanOrEqual(12_000);
  });

  it('refuses a TTL that one late heartbeat would outrun', () => {
    expect(livenessProblem({ heartbeatMs: 3_000, ttlMs: 5_000, sweepMs: 1_000 })).toMatch(/NODE_TTL_MS/);
    expect(livenessProblem({ heartbeatMs: 0, ttlMs: 5_000, sweepMs: 1_000 })).toMatch(/positive/);
  });

  it('judges others only after its own link has been up for a whole TTL', () => {
    expect(mayJudge(20_000, null, 10_000)).toBe(false); // link down
    expect(mayJudge(20_000, 15_000, 10_000)).toBe(false); // just back: live nodes may not have re-registered yet
    expect(mayJudge(25_000, 15_000, 10_000)).toBe(true);
  });

  it('dead nodes are the registered ones without a heartbeat, never itself', () => {
    const nodes = [
      { id: 'me', alive: false }, // our own key lapsed (a stall): we re-register, never reap ourselves
      { id: 'b', alive: true },
      { id: 'c', alive: false },
    ];
    expect(deadNodes('me', nodes)).toEqual(['c']);
  });

  it('announces offline only the users with no socket on a live node, once each', () => {
    expect(usersToAnnounce(['u1', 'u2', 'u3', 'u1'], new Set(['u2']))).toEqual(['u1', 'u3']);
  });

  it('stops only the typing indicators no live node has active', () => {
    expect(typingToStop(['a b', 'a c', 'a b'], new Set(['a c']))).toEqual(['a b']);
  });

  it('lastSeen is the last heartbeat, or the reap time when that is unknown or in the future', () => {
    expect(lastSeenOf(1_000, 9_000)).toBe(new Date(1_000).toISOString());
    expect(lastSeenOf(null, 9_000)).toBe(new Date(9_000).toISOString());
    expect(lastSeenOf(10_000, 9_000)).toBe(new Date(9_000).toISOString()); // another node's clock ahead
  });
});
