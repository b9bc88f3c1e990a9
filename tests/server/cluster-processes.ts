/**
 * Server nodes as separate processes on one store and a private redis-server, for the
 * tests that kill a node (SIGKILL) or take Redis away (cluster-presence.test.ts,
 * redis-outage.test.ts). The processes are tests/chaos/server-process.ts's; the
 * redis-server is tests/setup/services.ts's, started here on its own port so the shared
 * one the other suites use is never stopped. The store is a fresh database on the global
 * setup's FerretDB, or one shared SQLite DATA_DIR when there is no MongoDB (two processes
 * on one DATA_DIR are supported).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { freePort, ServerProcess } from '../chaos/server-process.ts';
import { REDIS_SERVER, startRedis, type Service } from '../setup/services.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** redis-server is needed; without it the suites say so instead of passing. */
export const HAS_REDIS_SERVER = existsSync(REDIS_SERVER);

export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence), as a restarted Redis. */
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let service: Service | null = await startRedis(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await service?.stop();
      service = null;
    },
    async start() {
      service ??= await startRedis(port);
    },
  };
}

export interface NodeProcess extends ServerProcess {
  logFile: string;
  /** The server's log so far (pino JSON lines). */
  log(): string;
}

export interface ClusterProcesses {
  nodes: NodeProcess[];
  dispose(): Promise<void>;
}

/**
 * `redisUrls[i]` is node i's REDIS_URL (a proxy in front of the private Redis, say).
 * Every node gets the same JWT secret, so a token works on any of them.
 */
export async function startNodes(mongoUri: string | null, redisUrls: string[], env: Record<string, string> = {}): Promise<ClusterProcesses> {
  const dir = await mkdtemp(join(tmpdir(), 'pigeon-cluster-'));
  const dbName = `pigeon_cluster_${randomBytes(6).toString('hex')}`;
  const shared: Record<string, string> = {
    JWT_SECRET: 'cluster-tests-secret-'.padEnd(48, 'x'),
    ...(mongoUri ? { MONGODB_URI: `${mongoUri.replace(/\/?$/, '/')}${dbName}` } : {}),
    ...env,
  };
  const nodes: NodeProcess[] = [];
  for (const [i, redisUrl] of redisUrls.entries()) {
    const logFile = join(dir, `node-${i}.log`);
    const node = new ServerProcess({
      repoRoot: REPO,
      // On SQLite the nodes share one DATA_DIR (one machine); on MongoDB it holds nothing shared.
      dataDir: mongoUri ? join(dir, `data-${i}`) : join(dir, 'data'),
      port: await freePort(),
      logFile,
      env: { ...shared, REDIS_URL: redisUrl },
    });
    nodes.push(Object.assign(node, { logFile, log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') }));
  }
  // One at a time: the first creates the store (and the cluster's store identity).
  for (const node of nodes) await node.start();
  return {
    nodes,
    async dispose() {
      await Promise.all(nodes.map((n) => n.stop()));
      if (mongoUri) {
        const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 5000 });
        await client.db(dbName).dropDatabase().finally(() => client.close());
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The log lines (parsed) whose `msg` matches. */
export function logRecords(node: NodeProcess, msg: RegExp): Record<string, unknown>[] {
  return node
    .log()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((r) => typeof r.msg === 'string' && msg.test(r.msg));
}
