import type { Redis } from 'ioredis';
import { clusterKeys as K } from './keys.ts';
import type { RegisteredNode } from './node-registry.ts';

/** What a node's record held when this node last read it. */
export interface MirroredRecord {
  lastHeartbeat: number;
  users: string[];
  typing: string[];
}

// Written back only when the node has not registered again since Redis lost it (its own
// rewrite is the truth) and no reaper has claimed it (its tombstone): no heartbeat key, so
// the sweeps take it for dead and reap it like any other unless it registers meanwhile.
// SADD in slices: Lua's unpack has a limit of a few thousand values.
const RESTORE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local users_end = 3 + tonumber(ARGV[3])
for i = 4, users_end, 500 do redis.call('SADD', KEYS[4], unpack(ARGV, i, math.min(i + 499, users_end))) end
for i = users_end + 1, #ARGV, 500 do redis.call('SADD', KEYS[5], unpack(ARGV, i, math.min(i + 499, #ARGV))) end
return 1`;

/**
 * The other live nodes' records as this node last read them (issue #14, C8). A Redis
 * restarted empty loses every record; a live node writes its own back within a second or
 * so, but one that dies before it does (killed during the outage, or just after) left
 * nothing to reap: its users were never announced offline, its typing never stopped.
 * The node that finds its own record lost (NodeRegistry) writes back what it remembers.
 *
 * Read at every sweep (node-reaper.ts): two SMEMBERS per other live node, so the cost
 * grows with the users of the cluster; what changed since the last sweep before an
 * outage (at most one sweep interval) is not known.
 */
export class RecordMirror {
  private records = new Map<string, MirroredRecord>();

  constructor(
    private readonly redis: Redis,
    private readonly self: string,
  ) {}

  /** The live nodes' records from `nodes` (a dead one is being reaped, a missing one left: both are dropped). Throws when Redis is unreachable. */
  async refresh(nodes: readonly RegisteredNode[]): Promise<void> {
    const live = nodes.filter((n) => n.alive && n.id !== this.self && n.lastHeartbeat !== null);
    const next = new Map<string, MirroredRecord>();
    if (live.length > 0) {
      const replies = (await this.redis.pipeline(live.flatMap((n) => [['smembers', K.users(n.id)], ['smembers', K.typing(n.id)]])).exec()) ?? [];
      live.forEach((n, i) => {
        const [usersErr, users] = replies[2 * i] ?? [null, []];
        const [typingErr, typing] = replies[2 * i + 1] ?? [null, []];
        if (usersErr || typingErr) throw usersErr ?? typingErr;
        next.set(n.id, { lastHeartbeat: n.lastHeartbeat!, users: users as string[], typing: typing as string[] });
      });
    }
    this.records = next;
  }

  /** Writes back the records of the nodes that are not in Redis any more (nor reaped); the ids written. Throws when Redis is unreachable. */
  async restore(): Promise<string[]> {
    const restored: string[] = [];
    for (const [id, r] of this.records) {
      const keys = [K.nodes, K.heartbeat(id), K.reaped(id), K.users(id), K.typing(id)];
      const args = [id, String(r.lastHeartbeat), String(r.users.length), ...r.users, ...r.typing];
      if ((await this.redis.eval(RESTORE, keys.length, ...keys, ...args)) === 1) restored.push(id);
    }
    return restored;
  }

  get size(): number {
    return this.records.size;
  }
}
