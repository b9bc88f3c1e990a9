import type { Logger } from '../log.ts';
import { deadNodes, lastSeenOf, mayJudge, typingToStop, usersToAnnounce, type LivenessTimes } from './liveness.ts';
import type { NodeRegistry } from './node-registry.ts';

/** What the reaper needs of the registry (a fake in node-reaper.test.ts). */
export type ReaperRegistry = Pick<NodeRegistry, 'nodeId' | 'nodes' | 'remember' | 'claimReap' | 'recordOf' | 'membersOn' | 'remove' | 'doneReaping'>;

export interface ReaperDeps {
  registry: ReaperRegistry;
  /** Writes lastSeen and announces `user-offline` (realtime/presence.ts), unless the user is back. */
  announceOffline(userId: string, lastSeen: string): Promise<void>;
  /** Users with a socket on this node (a dead node's user may have failed over here). */
  localOnline(userIds: readonly string[]): Set<string>;
  /** Emits `typing-stopped` for a dead node's indicator unless this node has it active (realtime/typing.ts). */
  stopOrphanedTyping(pair: string): void;
  /** Since when this node's Redis links have all been up (link-health.ts). */
  linkUpSince(): number | null;
  /**
   * Told on every node, once per node found dead, whoever reaps it: the notices it sends other
   * nodes after a commit (a group's members changed, a block) are lost if it died in between, and
   * what they would have corrected here (a removed member's sockets in the group's room) stays
   * wrong until read again (docs/reliability.md, C10).
   */
  peerDied?(nodeId: string): void;
  times: LivenessTimes;
  log: Logger;
  now?: () => number;
}

/** Announcements of one reap run at once, at most: the store sees a bounded burst. */
const ANNOUNCE_CONCURRENCY = 16;

/**
 * Finds dead nodes and cleans up after them (issue #14). Every node sweeps every
 * NODE_SWEEP_MS; the one whose SET NX on the dead node's reaper key wins does the work:
 *
 *   dead node's users ── still on a live node? ──yes──► nothing (they failed over)
 *                                    └──no──► lastSeen = its last heartbeat, user-offline
 *   dead node's typing ── active on a live node? ──no──► typing-stopped
 *   then its record is deleted (only if it did not come back meanwhile)
 *
 * The reaper key expires after a TTL, so a reaper that dies mid-reap is replaced by the
 * next sweep after that (the bound then does not hold: two failures at once).
 */
export class NodeReaper {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private readonly now: () => number;
  /** The dead nodes already told (peerDied), while they are registered. */
  private readonly toldDead = new Set<string>();

  constructor(private readonly deps: ReaperDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.deps.times.sweepMs).unref();
  }

  /** One look at the registry (never throws; a sweep in progress is joined). */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce()
      .catch((err: unknown) => this.deps.log.debug({ err }, 'node sweep failed (Redis unreachable?)'))
      .finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  /** Stops sweeping; waits for a reap in progress, so its announcements are not cut off. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const { registry, times } = this.deps;
    if (!mayJudge(this.now(), this.deps.linkUpSince(), times.ttlMs)) return;
    const nodes = await registry.nodes();
    // Kept in memory: should Redis lose the records, a node that dies before writing its own back is still reaped.
    await registry.remember(nodes);
    const dead = deadNodes(registry.nodeId, nodes);
    for (const id of this.toldDead) if (!dead.includes(id)) this.toldDead.delete(id);
    for (const id of dead) {
      if (this.toldDead.has(id)) continue;
      this.toldDead.add(id);
      this.deps.peerDied?.(id);
    }
    if (dead.length === 0) return;
    const live = nodes.filter((n) => n.alive && n.id !== registry.nodeId).map((n) => n.id);
    for (const id of dead) {
      if (!(await registry.claimReap(id, times.ttlMs))) continue;
      try {
        await this.reap(id, nodes.find((n) => n.id === id)?.lastHeartbeat ?? null, live);
      } finally {
        registry.doneReaping(id);
      }
    }
  }

  private async reap(deadId: string, lastHeartbeat: number | null, liveNodes: string[]): Promise<void> {
    const { registry, log } = this.deps;
    const startedAt = this.now();
    const record = await registry.recordOf(deadId);
    const [usersElsewhere, typingElsewhere] = await Promise.all([
      registry.membersOn('users', record.users, liveNodes),
      registry.membersOn('typing', record.typing, liveNodes),
    ]);
    for (const u of this.deps.localOnline(record.users)) usersElsewhere.add(u);
    const offline = usersToAnnounce(record.users, usersElsewhere);
    const stopped = typingToStop(record.typing, typingElsewhere);
    for (const pair of stopped) this.deps.stopOrphanedTyping(pair);
    const lastSeen = lastSeenOf(lastHeartbeat, startedAt);
    for (let i = 0; i < offline.length; i += ANNOUNCE_CONCURRENCY) {
      await Promise.all(offline.slice(i, i + ANNOUNCE_CONCURRENCY).map((u) => this.deps.announceOffline(u, lastSeen)));
    }
    const removed = await registry.remove(deadId);
    log.warn(
      { deadNode: deadId, lastHeartbeat: lastSeen, users: record.users.length, announcedOffline: offline.length, typingStopped: stopped.length, removed, ms: this.now() - startedAt },
      'reaped a dead node: its users announced offline, its typing stopped',
    );
  }
}
