/**
 * Issue #14, finding C8 (docs/reliability.md): a node dies after Redis was restarted empty,
 * and its users must still be announced offline (with lastSeen) and their typing stopped
 * on the other node within 15 s of its death (of Redis being back, for a node that died during the outage). Two nodes as separate processes, a
 * private redis-server restarted without persistence, SIGKILL: nothing of the dead node
 * says goodbye.
 *
 * The seed-1 chaos run that found it had this shape, reproduced here step by step: the
 * user's first socket was on node A (A read and cached their contacts: none yet), their
 * conversation with the peer was started on node B, Redis was restarted, then node B was
 * killed holding the user's last sockets. A reaped B and "announced" the user offline, to
 * the contacts it had cached, so the peer never heard it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HAS_REDIS_SERVER, logRecords, startNodes, startPrivateRedis, type ClusterProcesses, type NodeProcess, type PrivateRedis } from './cluster-processes.ts';
import { connect, record, register, sendOverRest, waitFor, type ClientSocket, type TestUser } from './helpers.ts';

const mongoUri = inject('mongoUri');
/** The bound, counted from the node's death, or from Redis being back when the outage outlasts the death. */
const HEAL_BOUND_MS = 15_000;
/** Long enough for both nodes to notice the outage (their links go down at once). */
const OUTAGE_MS = 4_000;

describe.skipIf(!HAS_REDIS_SERVER)(`cluster: a node dies after an empty Redis restart (${mongoUri ? 'MongoDB' : 'SQLite, one DATA_DIR'})`, () => {
  let redis: PrivateRedis;
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
    cluster = await startNodes(mongoUri, [redis.url, redis.url]);
    inspect = new Redis(redis.url, { lazyConnect: true });
    inspect.on('error', () => {}); // refused while Redis is down; it reconnects by itself
    await inspect.connect();
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await cluster?.dispose();
    inspect?.disconnect();
    await redis?.stop();
  });

  it('C8: its user, whose conversation with the peer started on the dead node, is announced offline (lastSeen) and their typing stopped within 15 s of the node’s death', async () => {
    const [a, b] = cluster.nodes as [NodeProcess, NodeProcess];
    const peer = await register(a.url, 'peer');
    const user = await register(a.url, 'user');
    await contactsCachedOn(a, user, peer);
    // The conversation starts on node B.
    expect((await sendOverRest(b.url, user.token, peer.id, 'hi, from node B')).status).toBe(201);

    const p = await open(a.url, peer.token);
    const online = record(p, 'user-online');
    const typing = record(p, 'typing');
    const stopped = record(p, 'typing-stopped');
    const u = await open(b.url, user.token);
    await waitFor('user-online from node B', () => online.some((e) => e.userId === user.id));

    await redis.stop();
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await redis.start(); // empty: every node record is gone
    // Node B registers again by itself (its user with it) before it dies, as in the chaos run: both
    // records carry a heartbeat from after the outage began. Two records alone were not enough: node A
    // writes B's record back from its mirror, with B's last heartbeat before the outage, when B has not
    // registered yet; on a loaded machine B was then killed before it had (a clean-clone CI failure).
    const heartbeats = async () => (await inspect.hvals('pigeon:cluster:nodes')).map(Number);
    await waitFor('both nodes registered again', async () => {
      const beats = await heartbeats();
      return beats.length === 2 && beats.every((beat) => beat > stoppedAt);
    }, 5_000);
    u.emit('typing', { to: peer.id });
    await waitFor('typing reaches node A', () => typing.some((e) => e.from === user.id));
    await b.kill();
    // The bound runs from the node's death (#14: "when a node stops … within 15 s"), here after
    // Redis is back. A death is detected within NODE_TTL_MS + NODE_SWEEP_MS (10 + 2 s) of the node's
    // last heartbeat (cluster/liveness.ts); counting from Redis being back also charged the heal with
    // the re-registration waited for above (up to 5 s), a stricter bound than the issue's, on which the
    // next test failed in 2 of 4 clean-clone runs.
    const killedAt = Date.now();
    // Only the reap's "offline" counts. The setup's own may reach the peer after it connected: the user
    // really had no socket between closing the first one (contactsCachedOn) and opening `u`, and node A's
    // settle of that close (or the introduction's read of lastSeen) tells the peer so, with that moment as
    // lastSeen: 0.3 s before Redis was stopped, in a clean-clone CI failure and in 2 of 20 runs under load.
    const offline = record(p, 'user-offline');

    const left = () => HEAL_BOUND_MS - (Date.now() - killedAt);
    await waitFor('typing-stopped for the dead node’s user', () => stopped.some((e) => e.from === user.id), left());
    await waitFor('user-offline for the dead node’s user', () => offline.some((e) => e.userId === user.id), left());
    const event = offline.find((e) => e.userId === user.id)!;
    // lastSeen is node B's last heartbeat: one it wrote after the outage began (its re-registration,
    // whose time may be taken while Redis was still down and written once it is back), not the
    // stale one node A restored from its mirror.
    expect(Date.parse(event.lastSeen!)).toBeGreaterThan(stoppedAt);
    expect(Date.parse(event.lastSeen!)).toBeLessThanOrEqual(killedAt);
    expect(await p.timeout(5000).emitWithAck('user-status', { userId: user.id })).toEqual({ ok: true, online: false, lastSeen: event.lastSeen });
    // The reap logs once its announcements are made (the events may arrive first).
    await waitFor('the reap logged', () => logRecords(a, /reaped a dead node/).length === 1, 5_000);
    expect(logRecords(a, /reaped a dead node/)[0]).toMatchObject({ users: 1, announcedOffline: 1, typingStopped: 1 });
    expect(logRecords(a, /unhandled rejection/)).toEqual([]);
  });

  it('a conversation started on the dying node while Redis was down (its notice to the others lost): its user is announced offline to that peer within 15 s of the node’s death', async () => {
    const [a, b] = cluster.nodes as [NodeProcess, NodeProcess];
    await b.start(); // a new process: a new node id
    const peer = await register(a.url, 'peer');
    const user = await register(a.url, 'user');
    await contactsCachedOn(a, user, peer);
    const p = await open(a.url, peer.token);
    const offline = record(p, 'user-offline');
    await open(b.url, user.token);

    const outagesBefore = logRecords(b, /redis unreachable/).length; // its log holds every start's lines
    await redis.stop();
    await waitFor('node B notices', () => logRecords(b, /redis unreachable/).length > outagesBefore, 10_000);
    // Stored on node B; its notice to node A (and the new-message) are lost with Redis.
    expect((await sendOverRest(b.url, user.token, peer.id, 'sent while Redis was down')).status).toBe(201);
    await new Promise((r) => setTimeout(r, 3_000)); // a publish waits 2 s for Redis, then it is lost
    await redis.start();
    const backAt = Date.now();
    await waitFor('both nodes registered again', async () => (await inspect.hlen('pigeon:cluster:nodes')) === 2, 5_000);
    await b.kill();
    const killedAt = Date.now(); // the bound runs from the death, after Redis is back (as in C8 above)

    await waitFor('user-offline for the dead node’s user', () => offline.some((e) => e.userId === user.id), HEAL_BOUND_MS - (Date.now() - killedAt));
    expect(logRecords(a, /unhandled rejection/)).toEqual([]);
  });

  it('a node killed while Redis was down never registers again: its user is still announced offline (lastSeen) and their typing stopped within 15 s of Redis being back', async () => {
    const [a, b] = cluster.nodes as [NodeProcess, NodeProcess];
    await b.start();
    const peer = await register(a.url, 'peer');
    const user = await register(a.url, 'user');
    expect((await sendOverRest(a.url, user.token, peer.id, 'hi')).status).toBe(201);
    const p = await open(a.url, peer.token);
    const online = record(p, 'user-online');
    const offline = record(p, 'user-offline');
    const typing = record(p, 'typing');
    const stopped = record(p, 'typing-stopped');
    const u = await open(b.url, user.token);
    await waitFor('user-online from node B', () => online.some((e) => e.userId === user.id));
    u.emit('typing', { to: peer.id });
    await waitFor('typing reaches node A', () => typing.some((e) => e.from === user.id));
    // Node A reads the other nodes' records at every sweep (2 s); the typing (5 s) is still on when B dies.
    await new Promise((r) => setTimeout(r, 2_500));

    await redis.stop();
    const killedAt = Date.now();
    await b.kill(); // before Redis is back: nothing of node B is in the new Redis, ever
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await redis.start();
    const backAt = Date.now();

    const left = () => HEAL_BOUND_MS - (Date.now() - backAt);
    await waitFor('typing-stopped for the dead node’s user', () => stopped.some((e) => e.from === user.id), left());
    await waitFor('user-offline for the dead node’s user', () => offline.some((e) => e.userId === user.id), left());
    // lastSeen is node B's last heartbeat that node A read before Redis went away.
    const event = offline.find((e) => e.userId === user.id)!;
    expect(Date.parse(event.lastSeen!)).toBeLessThanOrEqual(killedAt);
    expect(Date.parse(event.lastSeen!)).toBeGreaterThan(killedAt - 10_000);
    expect(await p.timeout(5000).emitWithAck('user-status', { userId: user.id })).toEqual({ ok: true, online: false, lastSeen: event.lastSeen });
    expect(logRecords(a, /unhandled rejection/)).toEqual([]);
  });
});

/**
 * `user`'s first socket is on node `node`, which reads their contacts (none yet with `peer`) and
 * keeps them; the ack of a presence query about the peer comes after that read (it checks them).
 */
async function contactsCachedOn(node: NodeProcess, user: TestUser, peer: TestUser): Promise<void> {
  const first = await connect(node.url, user.token);
  await first.timeout(5000).emitWithAck('user-status', { userId: peer.id });
  first.close();
}

if (!HAS_REDIS_SERVER) {
  describe('cluster: a node dies after an empty Redis restart', () => {
    it.skip('skipped: redis-server is not installed', () => {});
  });
}
