import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import { clusterKeys as K } from './keys.ts';
import type { LivenessTimes } from './liveness.ts';
import { RecordMirror } from './record-mirror.ts';

/** What this node has right now, read when the whole record is (re)written. */
export interface LocalState {
  /** Users with at least one socket on this node. */
  users(): string[];
  /** Typing indicators active on this node (typing.ts pair keys). */
  typingPairs(): string[];
}

export interface RegisteredNode {
  id: string;
  /** Its last heartbeat, ms since the epoch (null if unreadable). */
  lastHeartbeat: number | null;
  /** Its heartbeat key still exists. */
  alive: boolean;
}

/** A tombstone outlives any partition worth healing: the returning node then re-announces its users. */
const REAPED_TOMBSTONE_MS = 24 * 3600_000;

// Both scripts re-check the heartbeat inside Redis, so a node that re-registered between a
// sweep's look and the reaper's act is never claimed, nor its fresh record deleted.
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3])
return 1`;
const REMOVE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1`;

/**
 * This node's record in Redis (issue #14): a heartbeat key with a TTL, the users it has
 * sockets for and the typing indicators it has active; and the reads other nodes' records
 * are looked up with. Every node gets a new id per start, so a restarted process is a new
 * node and its predecessor is reaped like any dead one.
 *
 * Changes are written as they happen (SADD/SREM, fire-and-forget on the one connection, so
 * they reach Redis in order). A write that fails (Redis away) marks the record dirty; the
 * next heartbeat then rewrites all of it from LocalState in one MULTI. The heartbeat also
 * rewrites it when its key was gone (Redis restarted empty, or this node was taken for dead
 * and reaped): in that case `onReaped` runs, so the node re-announces its users online.
 * Gone without having been reaped, Redis may have lost the other nodes' records too: the
 * ones this node remembers (record-mirror.ts) and that did not register again are written
 * back, so a node that died before re-registering is still reaped.
 *
 * The connection fails fast (no offline queue, a command timeout): callers get an error
 * within PRESENCE_REDIS_TIMEOUT_MS and fall back, never wait for a reconnect.
 */
export class NodeRegistry {
  readonly nodeId: string = randomUUID();
  private dirty = true;
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private stopped = false;
  /** Dead nodes this node is reaping: their users no longer count as online elsewhere. */
  private readonly reaping = new Set<string>();
  /** Told whether each heartbeat reached Redis (link-health.ts, HeartbeatLink). */
  onBeat: (ok: boolean) => void = () => {};
  /** Runs after a rewrite that found this node's tombstone: its users were announced offline. */
  onReaped: (users: string[]) => void = () => {};
  private readonly mirror: RecordMirror;
  /** This node's record was found lost (not reaped): the others' may be too; written back at the next beat. */
  private restorePending = false;

  constructor(
    private readonly redis: Redis,
    private readonly local: LocalState,
    private readonly times: LivenessTimes,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.mirror = new RecordMirror(redis, this.nodeId);
  }

  /** Writes the whole record, then refreshes it every heartbeat. */
  async start(): Promise<void> {
    await this.rewrite();
    this.timer = setInterval(() => void this.beat(), this.times.heartbeatMs).unref();
  }

  /** Refreshes the heartbeat (or rewrites the record when needed). Never throws; one at a time. */
  beat(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.beating ??= this.beatOnce()
      .then(
        () => this.onBeat(true),
        (err: unknown) => {
          this.dirty = true;
          this.log.debug({ err }, 'node heartbeat failed');
          this.onBeat(false);
        },
      )
      .finally(() => (this.beating = null));
    return this.beating;
  }

  userConnected(userId: string): void {
    this.write((r) => r.sadd(K.users(this.nodeId), userId));
  }

  userGone(userId: string): void {
    this.write((r) => r.srem(K.users(this.nodeId), userId));
  }

  typingOn(pair: string): void {
    this.write((r) => r.sadd(K.typing(this.nodeId), pair));
  }

  typingOff(pair: string): void {
    this.write((r) => r.srem(K.typing(this.nodeId), pair));
  }

  /** Every registered node, with its last heartbeat and whether it is alive. Throws when Redis is unreachable. */
  async nodes(): Promise<RegisteredNode[]> {
    const all = await this.redis.hgetall(K.nodes);
    const ids = Object.keys(all);
    if (ids.length === 0) return [];
    const exists = await this.redis.pipeline(ids.map((id) => ['exists', K.heartbeat(id)])).exec();
    return ids.map((id, i) => {
      const beat = Number(all[id]);
      return { id, lastHeartbeat: Number.isFinite(beat) ? beat : null, alive: exists?.[i]?.[1] === 1 };
    });
  }

  /** Reads and keeps the live nodes' records (of `nodes`, just read), to write back should Redis lose them. Throws when Redis is unreachable. */
  remember(nodes: readonly RegisteredNode[]): Promise<void> {
    return this.mirror.refresh(nodes);
  }

  /** Of `members`, those in the `kind` set of any of `nodeIds`. Throws when Redis is unreachable. */
  async membersOn(kind: 'users' | 'typing', members: readonly string[], nodeIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (members.length === 0 || nodeIds.length === 0) return found;
    const key = kind === 'users' ? K.users : K.typing;
    const replies = await this.redis.pipeline(nodeIds.map((id) => ['smismember', key(id), ...members])).exec();
    for (const [err, flags] of replies ?? []) {
      if (err) throw err;
      (flags as number[]).forEach((flag, i) => flag === 1 && found.add(members[i]!));
    }
    return found;
  }

  /** Of `userIds`, those with a socket on another registered node (dead ones count until reaped). */
  async onlineElsewhere(userIds: readonly string[]): Promise<Set<string>> {
    const others = (await this.redis.hkeys(K.nodes)).filter((id) => id !== this.nodeId && !this.reaping.has(id));
    return this.membersOn('users', userIds, others);
  }

  /** Takes the job of reaping `deadId`; false when another node has it or the node is back. */
  async claimReap(deadId: string, lockMs: number): Promise<boolean> {
    const keys = [K.heartbeat(deadId), K.reaper(deadId), K.reaped(deadId)];
    const claimed = (await this.redis.eval(CLAIM, keys.length, ...keys, this.nodeId, lockMs, REAPED_TOMBSTONE_MS)) === 1;
    if (claimed) this.reaping.add(deadId);
    return claimed;
  }

  /** The reap of `deadId` is over (done or failed): its record, if still there, counts again. */
  doneReaping(deadId: string): void {
    this.reaping.delete(deadId);
  }

  /** What a dead node had: its users and typing indicators. */
  async recordOf(nodeId: string): Promise<{ users: string[]; typing: string[] }> {
    const [users, typing] = await Promise.all([this.redis.smembers(K.users(nodeId)), this.redis.smembers(K.typing(nodeId))]);
    return { users, typing };
  }

  /** Deletes a dead node's record; false (nothing deleted) when it came back meanwhile. */
  async remove(nodeId: string): Promise<boolean> {
    const keys = [K.heartbeat(nodeId), K.users(nodeId), K.typing(nodeId), K.nodes];
    return (await this.redis.eval(REMOVE, keys.length, ...keys, nodeId)) === 1;
  }

  /** A crash-like stop (kill): no more heartbeats, the record stays for the others to reap. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Graceful stop (close, after this node's sockets are gone): the record is removed, nobody reaps it. */
  async leave(): Promise<void> {
    this.stop();
    await this.beating;
    const id = this.nodeId;
    await this.redis
      .multi()
      .del(K.heartbeat(id), K.users(id), K.typing(id))
      .hdel(K.nodes, id)
      .exec()
      .catch((err: unknown) => this.log.warn({ err }, 'could not remove this node from the registry; it will be reaped'));
  }

  private async beatOnce(): Promise<void> {
    if (this.dirty) await this.rewrite();
    else await this.refresh();
    if (this.restorePending) await this.restoreOthers();
  }

  private async refresh(): Promise<void> {
    const now = this.now();
    const replies = await this.redis
      .multi()
      .set(K.heartbeat(this.nodeId), String(now), 'PX', this.times.ttlMs, 'XX')
      .hset(K.nodes, this.nodeId, String(now))
      .exec();
    // XX: the key was gone. Redis lost it (a restart) or a reaper removed this node.
    if (replies?.[0]?.[1] !== 'OK') await this.rewrite();
  }

  private async restoreOthers(): Promise<void> {
    const restored = await this.mirror.restore();
    this.restorePending = false;
    if (restored.length > 0) this.log.warn({ nodes: restored }, 'redis had lost other nodes’ records (restarted empty?): wrote back those not registered again; they are reaped unless they register');
  }

  /** The whole record in one transaction, from what this node has now. */
  private async rewrite(): Promise<void> {
    const id = this.nodeId;
    const now = this.now();
    // Read synchronously with the MULTI: a change after this point is a SADD/SREM queued behind it.
    const users = this.local.users();
    const typing = this.local.typingPairs();
    const m = this.redis.multi().exists(K.heartbeat(id)).set(K.heartbeat(id), String(now), 'PX', this.times.ttlMs).hset(K.nodes, id, String(now)).del(K.users(id), K.typing(id));
    if (users.length > 0) m.sadd(K.users(id), ...users);
    if (typing.length > 0) m.sadd(K.typing(id), ...typing);
    m.del(K.reaped(id));
    const replies = await m.exec();
    this.dirty = false;
    const reaped = replies?.at(-1)?.[1] === 1;
    if (replies?.[0]?.[1] === 0 && !reaped && this.mirror.size > 0) this.restorePending = true;
    if (reaped) {
      this.log.warn({ nodeId: id, users: users.length }, 'this node was taken for dead and reaped (Redis unreachable or the process stalled); registered again, announcing its users online');
      this.onReaped(users);
    } else if (users.length > 0 || typing.length > 0) {
      this.log.info({ nodeId: id, users: users.length, typing: typing.length }, 'node record rewritten');
    }
  }

  /** A change written as it happens; a failure leaves the record for the next heartbeat to rewrite. */
  private write(command: (redis: Redis) => Promise<unknown>): void {
    if (this.stopped) return;
    command(this.redis).catch((err: unknown) => {
      this.dirty = true;
      this.log.debug({ err }, 'node record update failed; rewritten at the next heartbeat');
    });
  }
}
