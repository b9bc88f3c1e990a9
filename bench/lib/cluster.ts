/**
 * Several Pigeon nodes as an operator runs them: one FerretDB (MongoDB wire protocol), one
 * redis-server, and N server processes (bench/servers/pigeon.ts, each its own child so its
 * CPU is its own) sharing both, with one JWT secret. Everything started here is stopped by
 * `stop()`, and killed with the bench if it dies (procs.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerret, type Ferret } from './ferret.ts';
import type { BenchUser } from './load.ts';
import { forkTs, type NodeChild } from './procs.ts';
import { startRedis, type Redis } from './redis.ts';
import { registerUsers, type SendStats, type StoreCheck } from './targets.ts';

export interface ClusterNode {
  url: string;
  pid: number;
  child: NodeChild;
}

export interface Cluster {
  nodes: ClusterNode[];
  ferretPid: number;
  redisPid: number;
  /** Registers users over node 0's REST API. */
  users(n: number, prefix: string): Promise<BenchUser[]>;
  /** What the shared store holds for these users (read by node 0 with the driver). */
  storeCheck(userIds: string[]): Promise<StoreCheck>;
  sendStats(node: number): Promise<SendStats>;
  stop(): Promise<void>;
}

const here = new URL('..', import.meta.url).pathname;

export async function startCluster(opts: { nodes: number; nodeFlags?: string[] }): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'pigeon-bench-cluster-'));
  let ferret: Ferret | null = null;
  let redis: Redis | null = null;
  const nodes: ClusterNode[] = [];
  const stop = async () => {
    // Nodes first (graceful: they commit and ack what they hold), then what they share.
    await Promise.all(nodes.map((n) => n.child.stop()));
    await redis?.stop();
    await ferret?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    ferret = await startFerret(join(dir, 'ferretdb'));
    redis = await startRedis();
    const secret = randomBytes(32).toString('hex');
    // One at a time: every node creates the store's indexes when it opens the store.
    for (let i = 0; i < opts.nodes; i++) {
      const child = forkTs(join(here, 'servers/pigeon.ts'), {
        label: `node ${String.fromCharCode(65 + i)}`,
        nodeFlags: opts.nodeFlags,
        env: {
          BENCH_DATA_DIR: join(dir, `node${i}`),
          BENCH_MONGODB_URI: ferret.uri,
          BENCH_REDIS_URL: redis.url,
          BENCH_JWT_SECRET: secret,
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        },
      });
      nodes.push({ child, pid: child.pid, url: '' });
      nodes[i]!.url = (await child.once<{ url: string }>('ready')).url;
    }
    const first = nodes[0]!;
    return {
      nodes,
      ferretPid: ferret.pid,
      redisPid: redis.pid,
      users: (n, prefix) => registerUsers(first.url, n, prefix),
      storeCheck: (userIds) => first.child.call<StoreCheck>('storeCheck', { userIds }, 180_000),
      sendStats: (i) => nodes[i]!.child.call<SendStats>('sendStats'),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
