import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { pairKey } from '../realtime/typing.ts';
import { NodeReaper, type ReaperRegistry } from './node-reaper.ts';

const TIMES = { heartbeatMs: 3_000, ttlMs: 10_000, sweepMs: 2_000 };

/** The registry as plain data: what the reaper decides from it, without Redis. */
function setup(options: { linkUpSince?: number | null; claimable?: boolean; now?: number; peerDied?: (id: string) => void } = {}) {
  const records: Record<string, { alive: boolean; lastHeartbeat: number; users: string[]; typing: string[] }> = {
    me: { alive: true, lastHeartbeat: 50_000, users: [], typing: [] },
    live: { alive: true, lastHeartbeat: 50_000, users: ['moved'], typing: [pairKey('moved', 'w')] },
    dead: { alive: false, lastHeartbeat: 41_000, users: ['gone', 'moved', 'here'], typing: [pairKey('gone', 'w'), pairKey('moved', 'w')] },
  };
  const calls: string[] = [];
  const registry: ReaperRegistry = {
    nodeId: 'me',
    nodes: async () => Object.entries(records).map(([id, r]) => ({ id, alive: r.alive, lastHeartbeat: r.lastHeartbeat })),
    remember: async (nodes) => void calls.push(`remember ${nodes.map((n) => n.id).join(',')}`),
    claimReap: async (id) => {
      calls.push(`claim ${id}`);
      return options.claimable ?? true;
    },
    recordOf: async (id) => ({ users: records[id]!.users, typing: records[id]!.typing }),
    membersOn: async (kind, members, nodeIds) =>
      new Set(members.filter((m) => nodeIds.some((n) => (kind === 'users' ? records[n]!.users : records[n]!.typing).includes(m)))),
    remove: async (id) => {
      calls.push(`remove ${id}`);
      return true;
    },
    doneReaping: (id) => void calls.push(`done ${id}`),
  };
  const reaper = new NodeReaper({
    registry,
    announceOffline: async (userId, lastSeen) => void calls.push(`offline ${userId} ${lastSeen}`),
    localOnline: (ids) => new Set(ids.filter((id) => id === 'here')),
    stopOrphanedTyping: (pair) => void calls.push(`typing-stopped ${pair.replace('\n', '->')}`),
    linkUpSince: () => (options.linkUpSince === undefined ? 0 : options.linkUpSince),
    ...(options.peerDied ? { peerDied: options.peerDied } : {}),
    times: TIMES,
    log: pino({ level: 'silent' }),
    now: () => options.now ?? 60_000,
  });
  return { reaper, calls, records };
}

describe('NodeReaper', () => {
  it('reaps a dead node: offline (lastSeen = its last heartbeat) for users on no live node, typing stopped, record removed', async () => {
    const { reaper, calls } = setup();
    await reaper.sweep();
    expect(calls).toEqual([
      'remember me,live,dead', // kept in case Redis loses them (record-mirror.ts)
      'claim dead',
      'typing-stopped gone->w', // 'moved' types on through the live node
      `offline gone ${new Date(41_000).toISOString()}`, // 'moved' is on the live node, 'here' on this one
      'remove dead',
      'done dead',
    ]);
  });

  it('does nothing when another node has the reap', async () => {
    const { reaper, calls } = setup({ claimable: false });
    await reaper.sweep();
    expect(calls).toEqual(['remember me,live,dead', 'claim dead']);
  });

  // A node killed right after committing a group change never sent its notice (chaos, 2 nodes:
  // a removed member's socket on the other node stayed in the group's room and got its messages).
  it('tells this node once per dead node, whoever reaps it, and again if one by that id dies again', async () => {
    const told: string[] = [];
    const { reaper, records } = setup({ claimable: false, peerDied: (id) => told.push(id) });
    await reaper.sweep();
    await reaper.sweep();
    expect(told).toEqual(['dead']);
    records['dead']!.alive = true; // its record back (or gone), then dead again
    await reaper.sweep();
    records['dead']!.alive = false;
    await reaper.sweep();
    expect(told).toEqual(['dead', 'dead']);
  });

  it('judges no one while its own links are down or back for less than a TTL, nor replaces the records it remembers from before', async () => {
    for (const linkUpSince of [null, 55_000]) {
      const { reaper, calls } = setup({ linkUpSince });
      await reaper.sweep();
      expect(calls).toEqual([]);
    }
  });
});
