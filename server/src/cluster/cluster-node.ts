import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { Presence, RemotePresence } from '../realtime/presence.ts';
import type { TypingTracker } from '../realtime/typing.ts';
import { HeartbeatLink, LinkHealth, type LinkEvents } from './link-health.ts';
import { livenessProblem, type LivenessTimes } from './liveness.ts';
import { NodeReaper } from './node-reaper.ts';
import { NodeRegistry } from './node-registry.ts';
import { connectClusterRedis } from './redis-connection.ts';

export interface ClusterOptions {
  redisUrl: string;
  times: LivenessTimes;
  /** Command timeout of the liveness connection: how long a presence read may wait for Redis. */
  redisTimeoutMs: number;
  /** The adapter's connections (realtime/redis-adapter.ts), watched with this node's own. */
  adapterLinks: Record<string, LinkEvents>;
  log: Logger;
}

export interface ClusterParts {
  presence: Presence;
  typing: TypingTracker;
  /** Tells every device to catch up (realtime/sync-hint.ts). */
  syncHint(): void;
  /**
   * Notices between nodes (a conversation started elsewhere: privacy/contacts.ts) were lost with
   * the links, both ways: drops what they keep here and tells every other node to do the same.
   */
  noticesLost(): void;
  /** Another node was found dead: what its last notices would have corrected here is read again (node-reaper.ts). */
  peerDied(): void;
}

/**
 * One node's membership in a cluster (issue #14): its record in Redis (node-registry.ts),
 * the sweep for dead nodes (node-reaper.ts), and what happens when its Redis links break
 * and come back (link-health.ts): presence falls back to this node's sockets meanwhile;
 * once back, the record is rewritten, disconnects that could not be settled are, and every
 * device is told to catch up (`sync-hint`).
 */
export class ClusterNode {
  readonly registry: NodeRegistry;
  private readonly health: LinkHealth;
  private reaper: NodeReaper | null = null;
  private parts: ClusterParts | null = null;
  /** When the links last came back; presence reads wait for the others to re-register after it. */
  private recoveredAt = 0;

  private constructor(
    private readonly redis: Redis,
    private readonly options: ClusterOptions,
  ) {
    const { log } = options;
    this.registry = new NodeRegistry(redis, { users: () => this.parts?.presence.localUsers() ?? [], typingPairs: () => this.parts?.typing.activePairs() ?? [] }, options.times, log);
    // A Redis that stops answering without closing connections shows as failed heartbeats.
    const heartbeat = new HeartbeatLink();
    this.registry.onBeat = (ok) => heartbeat.beat(ok);
    // Back: beat at once rather than at the next interval, so recovery (and sync-hint) is not delayed.
    redis.on('ready', () => void this.registry.beat());
    this.health = new LinkHealth(
      { ...options.adapterLinks, cluster: redis, heartbeat },
      {
        lost: (down) => log.warn({ down }, 'redis unreachable: presence from this node’s sockets only, events to other nodes are lost until it is back'),
        recovered: (outageMs) => this.recovered(outageMs),
      },
    );
  }

  static async join(options: ClusterOptions): Promise<ClusterNode> {
    const problem = livenessProblem(options.times);
    if (problem) throw new Error(problem);
    return new ClusterNode(await connectClusterRedis(options.redisUrl, options.redisTimeoutMs, options.log), options);
  }

  /** Presence on the other nodes, for realtime/presence.ts. */
  readonly remotePresence: RemotePresence = {
    onlineElsewhere: async (userIds) => {
      await this.settle();
      if (!this.health.healthy) throw new Error('redis unreachable');
      return this.registry.onlineElsewhere(userIds);
    },
    userConnected: (userId) => this.registry.userConnected(userId),
    userGone: (userId) => this.registry.userGone(userId),
  };

  /** Once presence and typing exist: registers this node, then heartbeats and sweeps. */
  async start(parts: ClusterParts): Promise<void> {
    this.parts = parts;
    parts.typing.observe({ started: (p) => this.registry.typingOn(p), ended: (p) => this.registry.typingOff(p) });
    this.registry.onReaped = (users) => parts.presence.announceOnline(users);
    await this.registry.start();
    this.reaper = new NodeReaper({
      registry: this.registry,
      announceOffline: (userId, lastSeen) => parts.presence.announceOffline(userId, lastSeen),
      localOnline: (userIds) => parts.presence.localOnline(userIds),
      stopOrphanedTyping: (pair) => parts.typing.stopOrphaned(pair),
      linkUpSince: () => this.health.linkUpSince,
      peerDied: (nodeId) => {
        this.options.log.warn({ deadNode: nodeId }, 'a node died: this node re-reads its sockets’ groups and drops its cached blocks and contacts');
        parts.peerDied();
      },
      times: this.options.times,
      log: this.options.log,
    });
    this.reaper.start();
    this.options.log.info({ nodeId: this.registry.nodeId }, 'node registered in the cluster');
  }

  /** Graceful: after this node's sockets are gone, its record is removed (nobody reaps it). */
  async leave(): Promise<void> {
    this.health.stop();
    await this.reaper?.stop();
    await this.registry.leave();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Crash-like: heartbeats stop, the record stays for another node to reap. */
  async stop(): Promise<void> {
    this.health.stop();
    this.registry.stop();
    await this.reaper?.stop();
    this.redis.disconnect();
  }

  private recovered(outageMs: number): void {
    this.recoveredAt = Date.now();
    this.options.log.warn({ outageMs }, 'redis links back: node record rewritten, devices told to catch up (sync-hint)');
    // First: the disconnects settled below announce to contacts, which must be read again.
    this.parts?.noticesLost();
    void this.registry.beat();
    this.parts?.presence.recovered();
    this.parts?.syncHint();
  }

  /**
   * Right after the links came back, another node may not have rewritten its record yet
   * (Redis restarted empty): its users would read as offline. Every node rewrites within
   * ~1 s of Redis being back (reconnects are ≤ 1 s apart) and at its next heartbeat in
   * any case, so a read waits out one heartbeat interval after this node's recovery.
   */
  private async settle(): Promise<void> {
    const wait = this.recoveredAt + this.options.times.heartbeatMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
