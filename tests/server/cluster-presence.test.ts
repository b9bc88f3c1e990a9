/**
 * Issue #14, presence and typing that heal: two nodes as separate processes on one store
 * and a private redis-server. A node is SIGKILLed (no shutdown hook runs: nothing of it
 * says goodbye) or cut off from Redis; peers on the surviving node must hear the truth
 * within the documented bounds (docs/operations.md, "Node death and Redis outages").
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRng } from '../chaos/rng.ts';
import { FaultProxy } from '../chaos/proxy.ts';
import { HAS_REDIS_SERVER, logRecords, startNodes, startPrivateRedis, type ClusterProcesses, type PrivateRedis } from './cluster-processes.ts';
import { connect, record, register, roundTrip, sendOverRest, waitFor, type ClientSocket } from './helpers.ts';

const mongoUri = inject('mongoUri');
/** The bound: peers have user-offline and typing-stopped within 15 s of a node's death. */
const HEAL_BOUND_MS = 15_000;

describe.skipIf(!HAS_REDIS_SERVER)(`cluster presence: a node dies or loses Redis (${mongoUri ? 'MongoDB' : 'SQLite, one DATA_DIR'})`, () => {
  let redis: PrivateRedis;
  /** Node B reaches Redis through this proxy, so it alone can be cut off. */
  let proxy: FaultProxy;
  let cluster: ClusterProcesses;
  let inspect: Redis;
  const sockets: ClientSocket[] = [];
  const open = async (url: string, token: string) => {
    const s = await connect(url, token);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    redis = await startPrivateRedis();
    proxy = new FaultProxy({ name: 'node-b-redis', targetPort: redis.port, rng: createRng(14) });
    await proxy.listen();
    cluster = await startNodes(mongoUri, [redis.url, `redis://127.0.0.1:${proxy.port}`]);
    inspect = new Redis(redis.url, { lazyConnect: true });
    await inspect.connect();
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await cluster?.dispose();
    inspect?.disconnect();
    await proxy?.close();
    await redis?.stop();
  });

  it('a SIGKILLed node: its users are announced offline (lastSeen) and its typing stopped within 15 s; a user still on a live node is not', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const watcher = await register(a.url, 'w');
    const typist = await register(a.url, 't');
    const twoNodes = await register(a.url, 'v');
    for (const u of [typist, twoNodes]) expect((await sendOverRest(a.url, u.token, watcher.id, 'hello')).status).toBe(201);

    const w = await open(a.url, watcher.token);
    const offline = record(w, 'user-offline');
    const typing = record(w, 'typing');
    const stopped = record(w, 'typing-stopped');
    const t = await open(b.url, typist.token);
    await open(b.url, twoNodes.token);
    await open(a.url, twoNodes.token); // the same user on the surviving node too
    t.emit('typing', { to: watcher.id });
    await waitFor('typing reaches node A', () => typing.length === 1);
    expect(await w.timeout(5000).emitWithAck('user-status', { userId: typist.id })).toMatchObject({ ok: true, online: true });

    const killedAt = Date.now();
    await b.kill();
    await waitFor(
      'user-offline and typing-stopped for the dead node’s user',
      () => offline.some((e) => e.userId === typist.id) && stopped.some((e) => e.from === typist.id),
      HEAL_BOUND_MS - (Date.now() - killedAt),
    );
    const event = offline.find((e) => e.userId === typist.id)!;
    // lastSeen is the dead node's last heartbeat: before the kill, and within the key's TTL (10 s)
    // of it, since the key still existed then (the typist read as online just before).
    const lastSeen = Date.parse(event.lastSeen!);
    expect(lastSeen).toBeLessThanOrEqual(killedAt);
    expect(lastSeen).toBeGreaterThan(killedAt - 10_000);
    expect(stopped.find((e) => e.from === typist.id)).toEqual(typing[0]);
    expect(await w.timeout(5000).emitWithAck('user-status', { userId: typist.id })).toEqual({ ok: true, online: false, lastSeen: event.lastSeen });

    // The reap ends by deleting the dead node's record; by then every announcement has been made.
    await waitFor('the dead node is removed from the registry', async () => (await inspect.hlen('pigeon:cluster:nodes')) === 1, 5_000);
    await roundTrip(w);
    expect(offline.filter((e) => e.userId === twoNodes.id)).toEqual([]);
    expect(await w.timeout(5000).emitWithAck('user-status', { userId: twoNodes.id })).toMatchObject({ ok: true, online: true });
    expect(logRecords(a, /reaped a dead node/)).toHaveLength(1);
    expect(logRecords(a, /unhandled rejection/)).toEqual([]);
  });

  it('a node cut off from Redis past the TTL is reaped like a dead one; back, it registers again and its connected users are announced online', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    await b.start(); // a new process: a new node id
    const watcher = await register(a.url, 'w');
    const stayer = await register(a.url, 's');
    expect((await sendOverRest(a.url, stayer.token, watcher.id, 'hello')).status).toBe(201);
    const w = await open(a.url, watcher.token);
    const online = record(w, 'user-online');
    const offline = record(w, 'user-offline');
    const s = await open(b.url, stayer.token);
    const hints = record(s, 'sync-hint');
    await waitFor('user-online from node B', () => online.some((e) => e.userId === stayer.id));

    proxy.setOffline(true); // node B alone loses Redis; its sockets stay up
    // Documented behaviour: the others cannot tell a cut-off node from a dead one.
    await waitFor('node A reaps node B', () => offline.some((e) => e.userId === stayer.id), HEAL_BOUND_MS);
    expect(s.connected).toBe(true);
    const onlineBefore = online.filter((e) => e.userId === stayer.id).length;

    proxy.heal();
    await waitFor('node B registers again and announces its user online', () => online.filter((e) => e.userId === stayer.id).length > onlineBefore, 10_000);
    expect(await w.timeout(5000).emitWithAck('user-status', { userId: stayer.id })).toMatchObject({ ok: true, online: true });
    // Cross-node events were lost meanwhile: the devices on node B are told to catch up.
    await waitFor('sync-hint on node B', () => hints.length >= 1, 5_000);
    expect(hints[0]).toEqual({ reason: 'redis-recovered' });
    expect(logRecords(b, /taken for dead and reaped/)).toHaveLength(1);
    for (const node of [a, b]) expect(logRecords(node, /unhandled rejection/)).toEqual([]);
  });

  it('a conversation started on the dying node after node A had read its user’s contacts: the peer on A hears user-offline within 15 s (C8)', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const peer = await register(a.url, 'p');
    const user = await register(a.url, 'u');
    // Node A reads the user's contacts (none yet) and keeps them: the ack of a presence query about the peer comes after that read.
    const first = await open(a.url, user.token);
    await first.timeout(5000).emitWithAck('user-status', { userId: peer.id });
    first.close();
    expect((await sendOverRest(b.url, user.token, peer.id, 'hi, from node B')).status).toBe(201);
    const p = await open(a.url, peer.token);
    const online = record(p, 'user-online');
    const offline = record(p, 'user-offline');
    await open(b.url, user.token);
    await waitFor('user-online from node B', () => online.some((e) => e.userId === user.id));

    const killedAt = Date.now();
    await b.kill();
    await waitFor('user-offline for the dead node’s user', () => offline.some((e) => e.userId === user.id), HEAL_BOUND_MS - (Date.now() - killedAt));
    const event = offline.find((e) => e.userId === user.id)!;
    expect(await p.timeout(5000).emitWithAck('user-status', { userId: user.id })).toEqual({ ok: true, online: false, lastSeen: event.lastSeen });
  });
});

if (!HAS_REDIS_SERVER) {
  describe('cluster presence', () => {
    it.skip('skipped: redis-server is not installed', () => {});
  });
}
