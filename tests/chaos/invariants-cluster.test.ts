import { describe, expect, it } from 'vitest';
import type { ClusterRecord, SendTiming, ViewEvent } from './cluster-record.ts';
import { checkAckLatency, checkCluster, checkPresenceHeal, clusterFigures, hadSocket, onlineThroughout } from './invariants-cluster.ts';

/**
 * Node 0 dies at 10 s. User A had a socket there and none anywhere after; user B is on node 1
 * the whole time; device b (signed in as B) is connected from 1 s on and saw A online at 2 s.
 */
function world(over: Partial<ClusterRecord> = {}): ClusterRecord {
  return {
    events: [
      { t: 0, kind: 'start', node: 0 },
      { t: 0, kind: 'start', node: 1 },
      { t: 10_000, kind: 'kill', node: 0 },
    ],
    sockets: [
      { device: 'a', node: 0, userId: 'A', from: 1_000, to: 10_005 },
      { device: 'b', node: 1, userId: 'B', from: 1_000, to: null },
    ],
    sends: [],
    receipts: [],
    views: [
      { t: 1_000, device: 'b', kind: 'connection', state: 'online' },
      { t: 2_000, device: 'b', kind: 'presence', peer: 'A', online: true },
    ],
    wireTyping: [],
    wirePresence: [],
    end: 40_000,
    ...over,
  };
}
const view = (v: ViewEvent) => v;
const send = (over: Partial<SendTiming>): SendTiming => ({ device: 'b', node: 1, userId: 'B', clientId: 'c1', at: 11_000, ackAt: 11_100, ok: true, code: null, closedAt: null, ...over });
const kinds = (rec: ClusterRecord) => checkCluster(rec).map((v) => v.invariant);

describe('cluster invariants', () => {
  it("catch a ghost: the dead node's user still shown online 15 s later", () => {
    const v = checkPresenceHeal(world());
    expect(v.map((x) => x.invariant)).toEqual(['presence-heal']);
    expect(v[0]!.message).toContain('b still shows A online');
  });

  it('pass once the offline reached the device in time', () => {
    const w = world();
    w.views.push(view({ t: 24_000, device: 'b', kind: 'presence', peer: 'A', online: false }));
    expect(kinds(w)).toEqual([]);
  });

  it('an offline arriving after the 15 s bound is too late', () => {
    const w = world();
    w.views.push(view({ t: 25_500, device: 'b', kind: 'presence', peer: 'A', online: false }));
    expect(kinds(w)).toEqual(['presence-heal']);
  });

  it('do not judge a user who came back on the other node, nor an observer that was not connected', () => {
    const back = world();
    back.sockets.push({ device: 'a', node: 1, userId: 'A', from: 11_000, to: 12_000 });
    expect(hadSocket(back.sockets, 'A', 0, 10_000, 25_000)).toBe(true);
    expect(kinds(back)).toEqual([]);
    const away = world();
    away.views.push(view({ t: 22_000, device: 'b', kind: 'connection', state: 'connecting' }), view({ t: 23_000, device: 'b', kind: 'connection', state: 'online' }));
    expect(onlineThroughout(away.views, 'b', 20_000, 25_000)).toBe(false);
    expect(kinds(away)).toEqual([]);
  });

  it('a reload clears what a device showed; a kill the run did not outlive by 15 s is not judged', () => {
    const reloaded = world();
    reloaded.views.push(view({ t: 3_000, device: 'b', kind: 'reset', why: 'new view' }));
    expect(kinds(reloaded)).toEqual([]);
    expect(kinds(world({ end: 20_000 }))).toEqual([]);
  });

  it('a Redis outage overlapping the 15 s moves the bound to 15 s after Redis is back', () => {
    const w = world();
    w.events.push({ t: 20_000, kind: 'redis-stop' }, { t: 23_000, kind: 'redis-start' });
    w.views.push(view({ t: 30_000, device: 'b', kind: 'presence', peer: 'A', online: false }));
    expect(kinds(w)).toEqual([]);
    w.views.pop();
    expect(checkPresenceHeal(w)[0]!.message).toContain('online 28000 ms after node 0 died');
    // An outage after the bound changes nothing.
    const later = world();
    later.events.push({ t: 26_000, kind: 'redis-stop' }, { t: 27_000, kind: 'redis-start' });
    expect(checkPresenceHeal(later)[0]!.message).toContain('online 15000 ms after node 0 died');
  });

  it('catch a typist shown typing 15 s after its node died', () => {
    const w = world();
    w.views.push(view({ t: 24_000, device: 'b', kind: 'presence', peer: 'A', online: false }));
    w.views.push(view({ t: 9_000, device: 'b', kind: 'typing', peer: 'A', conversationId: 'dm:A:B', typing: true }));
    expect(kinds(w)).toEqual(['typing-heal']);
    w.views.push(view({ t: 14_000, device: 'b', kind: 'typing', peer: 'A', conversationId: 'dm:A:B', typing: false }));
    w.views.sort((x, y) => x.t - y.t);
    expect(kinds(w)).toEqual([]);
  });

  it('catch a typing the node never stopped on the wire, even when the engine expired it by itself', () => {
    const w = world();
    w.views.push(view({ t: 24_000, device: 'b', kind: 'presence', peer: 'A', online: false }));
    w.wireTyping.push({ t: 9_000, socket: 1, peer: 'A', typing: true });
    expect(kinds(w)).toEqual(['typing-heal']);
    expect(checkCluster(w)[0]!.message).toContain("sent b's socket 'typing' from A at 9000 ms and no 'typing-stopped'");
    w.wireTyping.push({ t: 20_000, socket: 1, peer: 'A', typing: false });
    expect(kinds(w)).toEqual([]);
  });

  it('catch a surviving node slow to ack, or silent, while the other was dying', () => {
    const ok = world({ sends: [send({})] });
    ok.views.push(view({ t: 24_000, device: 'b', kind: 'presence', peer: 'A', online: false }));
    expect(checkAckLatency(ok)).toEqual([]);
    const slow = { ...ok, sends: [send({ ackAt: 13_500 })] };
    expect(checkAckLatency(slow).map((v) => v.message)).toEqual([expect.stringContaining('acked after 2500 ms')]);
    const silent = { ...ok, sends: [send({ ackAt: null, closedAt: 16_000 })] };
    expect(checkAckLatency(silent).map((v) => v.message)).toEqual([expect.stringContaining('no ack for 5000 ms')]);
    expect(clusterFigures(slow)).toMatchObject({ acksWhileDying: 1, slowestAckWhileDyingMs: 2500, presenceUsersChecked: 1 });
  });

  it('do not judge sends to the dying node, long after the death, cut early, or during a Redis outage', () => {
    const w = world();
    w.views.push(view({ t: 24_000, device: 'b', kind: 'presence', peer: 'A', online: false }));
    w.sends = [
      send({ node: 0, at: 9_999, ackAt: null, closedAt: 10_005 }),
      send({ at: 45_000, ackAt: 48_000 }),
      send({ ackAt: null, closedAt: 11_500 }),
    ];
    expect(checkAckLatency({ ...w, end: 60_000 })).toEqual([]);
    // Node 1 started 4 s before node 0 died: cold, not a survivor that was serving.
    const cold = { ...w, sends: [send({ ackAt: 14_000 })], events: [...w.events, { t: 6_000, kind: 'start' as const, node: 1 }] };
    expect(checkAckLatency(cold)).toEqual([]);
    expect(checkAckLatency({ ...cold, events: w.events })).toHaveLength(1);
    // Node 0 back at 12 s: a send at 12.5 s is no longer made while it was dying.
    const restarted = { ...w, sends: [send({ at: 12_500, ackAt: 16_000 })], events: [...w.events, { t: 12_000, kind: 'start' as const, node: 0 }] };
    expect(checkAckLatency(restarted)).toEqual([]);
    expect(checkAckLatency({ ...restarted, events: w.events })).toHaveLength(1);
    w.sends = [send({ ackAt: 15_000 })];
    w.events.push({ t: 10_500, kind: 'redis-stop' }, { t: 14_000, kind: 'redis-start' });
    expect(checkAckLatency(w)).toEqual([]);
  });
});

describe('server log check', () => {
  it('reports unhandled errors and rejections once per kind, and nothing for warnings', async () => {
    const { checkServerErrors } = await import('./server-log.ts');
    const line = (level: number, msg: string, err = 'boom') => JSON.stringify({ level, time: 0, msg, err: { type: 'Error', message: err } });
    const log = ['--- start #1 ---', line(40, 'redis connection error'), line(50, 'unhandled rejection'), line(50, 'unhandled rejection'), line(50, 'unhandled error', 'x'), line(60, 'failed to start', 'no Redis')].join('\n');
    const v = checkServerErrors({ 'node-0.log': log, 'node-1.log': line(30, 'fine') });
    expect(v.map((x) => x.message)).toEqual([
      'node-0.log: 2× unhandled rejection: Error boom, first at 1970-01-01T00:00:00.000Z',
      'node-0.log: 1× unhandled error: Error x, first at 1970-01-01T00:00:00.000Z',
    ]);
  });

  it('counts the slow database commands of every node, those the log only counted too', async () => {
    const { slowDatabaseCommands } = await import('./server-log.ts');
    const slow = (ms: number, suppressed?: number) => JSON.stringify({ level: 40, msg: 'slow MongoDB command', command: 'find', ms, ...(suppressed ? { suppressed } : {}) });
    const logs = { 'node-0.log': [slow(300), 'not json', slow(1200, 7)].join('\n'), 'node-1.log': [slow(450), JSON.stringify({ level: 40, msg: 'other', ms: 9999 })].join('\n') };
    expect(slowDatabaseCommands(logs)).toEqual({ count: 10, slowestMs: 1200 });
    expect(slowDatabaseCommands({ 'server.log': '' })).toEqual({ count: 0, slowestMs: 0 });
  });
});
