import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../log.ts';
import type { Fanout } from '../messages/fanout.ts';
import { OFFLINE_RECHECK_MS, Presence, type RemotePresence } from './presence.ts';
import { userRoom, type PigeonIo } from './types.ts';

/**
 * The offline re-check (presence.ts `confirmOffline`), without sockets: this node's rooms are a
 * Map, the other nodes a set the test edits, the fanout a list of what was told to whom.
 */
function setup() {
  const rooms = new Map<string, Set<string>>();
  const io = { of: () => ({ adapter: { rooms } }) } as unknown as PigeonIo;
  const elsewhere = new Set<string>();
  let redisAway = false;
  const remote: RemotePresence = {
    onlineElsewhere: async (ids) => {
      if (redisAway) throw new Error('redis unreachable');
      return new Set(ids.filter((id) => elsewhere.has(id)));
    },
    userConnected: () => {},
    userGone: () => {},
  };
  const told: string[] = [];
  const fanout = { emit: (to: readonly string[], event: string, payload: { userId: string }) => told.push(`${event} ${payload.userId} → ${to.join(',')}`) } as unknown as Fanout;
  const store = { setLastSeen: async () => {}, getUsers: async () => [{ id: 'u', lastSeen: '2026-12-03T20:00:00.000Z' }] } as never;
  let watchers = ['peer'];
  const audience = { watchersOf: async () => watchers, canSeeContact: async () => true };
  const log = { debug: () => {}, warn: () => {} } as unknown as Logger;
  const presence = new Presence(io, store, audience, fanout, log, remote);
  return {
    presence,
    told,
    /** The user's socket on this node. */
    connectHere: (userId: string) => rooms.set(userRoom(userId), new Set(['s1'])),
    elsewhere,
    setRedisAway: (away: boolean) => void (redisAway = away),
    setWatchers: (ids: string[]) => void (watchers = ids),
  };
}

describe('Presence: an offline announcement is checked again', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('tells the watchers "online" again when the user turned out to be connected on another node', async () => {
    const s = setup();
    s.presence.disconnected('u');
    await vi.advanceTimersByTimeAsync(0);
    expect(s.told).toEqual(['user-offline u → peer']);
    // The user's new socket on another node is recorded only now: its "online" may have crossed the "offline".
    s.elsewhere.add('u');
    await vi.advanceTimersByTimeAsync(OFFLINE_RECHECK_MS - 1);
    expect(s.told).toEqual(['user-offline u → peer']);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.told).toEqual(['user-offline u → peer', 'user-online u → peer']);
  });

  it('and when the user reconnected to this node', async () => {
    const s = setup();
    s.presence.disconnected('u');
    await vi.advanceTimersByTimeAsync(0);
    s.connectHere('u');
    await vi.advanceTimersByTimeAsync(OFFLINE_RECHECK_MS);
    expect(s.told.at(-1)).toBe('user-online u → peer');
  });

  it('tells nothing more when the user is still offline, or when Redis cannot say', async () => {
    const s = setup();
    s.presence.disconnected('u');
    await vi.advanceTimersByTimeAsync(OFFLINE_RECHECK_MS);
    expect(s.told).toEqual(['user-offline u → peer']);

    s.presence.disconnected('u');
    await vi.advanceTimersByTimeAsync(0);
    s.setRedisAway(true);
    await vi.advanceTimersByTimeAsync(OFFLINE_RECHECK_MS);
    expect(s.told).toEqual(['user-offline u → peer', 'user-offline u → peer']);
    // Nor is the user remembered as unsettled: Redis back, nothing is announced again.
    s.setRedisAway(false);
    s.presence.recovered();
    await vi.advanceTimersByTimeAsync(OFFLINE_RECHECK_MS);
    expect(s.told).toHaveLength(2);
  });

  it('checks the "offline" told on an introduction too', async () => {
    const s = setup();
    s.presence.introduced('u', 'peer');
    await vi.advanceTimersByTimeAsync(0);
    expect(s.told).toEqual(['user-offline u → peer']);
    s.elsewhere.add('u');
    await vi.advanceTimersByTimeAsync(OFFLINE_RECHECK_MS);
    expect(s.told).toEqual(['user-offline u → peer', 'user-online u → peer']);
  });

  it('tells no one who may not see the user any more (a block since the "offline")', async () => {
    const s = setup();
    s.presence.disconnected('u');
    await vi.advanceTimersByTimeAsync(0);
    s.elsewhere.add('u');
    s.setWatchers([]);
    await vi.advanceTimersByTimeAsync(OFFLINE_RECHECK_MS);
    expect(s.told).toEqual(['user-offline u → peer']);
  });

  it('a node shutting down drops the looks still waiting', async () => {
    const s = setup();
    s.presence.disconnected('u');
    await s.presence.settled();
    s.elsewhere.add('u');
    await vi.advanceTimersByTimeAsync(OFFLINE_RECHECK_MS);
    expect(s.told).toEqual(['user-offline u → peer']);
  });

  it('a stopped node looks no more', async () => {
    const s = setup();
    s.presence.disconnected('u');
    await vi.advanceTimersByTimeAsync(0);
    s.presence.stop();
    s.elsewhere.add('u');
    await vi.advanceTimersByTimeAsync(OFFLINE_RECHECK_MS);
    expect(s.told).toEqual(['user-offline u → peer']);
  });
});
