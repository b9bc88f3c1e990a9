/**
 * The servers of one run. One node: a server process on the embedded SQLite store, as before.
 * Two nodes: a private FerretDB and a private redis-server (started with tests/setup/services.ts,
 * on ports of this run), and two server processes on the MongoDB store (a fresh database per run)
 * with the same REDIS_URL and JWT secret, as an operator runs them. Either node can be SIGKILLed
 * and restarted on its port; Redis can be stopped for a while and started again on its port.
 * Always stops everything it started.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ferretdbBinary, startFerretDb, startRedis, startWithPortRetry, type Service } from '../setup/services.ts';
import type { ClusterRecorder } from './cluster-record.ts';
import type { History } from './history.ts';
import type { Upstream } from './proxy.ts';
import { ServerProcess, freePort } from './server-process.ts';

/** The 2-node runs' MONGO_SLOW_COMMAND_MS: their node logs name the commands FerretDB took this long or longer to answer. */
export const SLOW_DB_COMMAND_MS = 250;

export interface ClusterOptions {
  nodes: number;
  repoRoot: string;
  /** The run's directory: data dirs and logs. */
  workDir: string;
  seed: number;
  /** Extra environment of every node (the access-token lifetime). */
  env: Record<string, string>;
  history: History;
  recorder: ClusterRecorder;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Cluster {
  readonly nodes: ServerProcess[] = [];
  private mongo: Service | null = null;
  private redis: Service | null = null;
  private redisPort = 0;
  /** A Redis start scheduled by restartRedis(), so the heal can wait for it. */
  private redisBack: Promise<void> = Promise.resolve();
  redisRestarts = 0;
  readonly redisLog: string;

  constructor(private readonly o: ClusterOptions) {
    this.redisLog = path.join(o.workDir, 'redis.log');
  }

  get size(): number {
    return this.o.nodes;
  }

  /** The node of a 1-node run (its data dir is where the SQLite file lives). */
  get first(): ServerProcess {
    return this.nodes[0]!;
  }

  nodeLog(i: number): string {
    return path.join(this.o.workDir, this.o.nodes === 1 ? 'server.log' : `node-${i}.log`);
  }

  async start(): Promise<void> {
    const { nodes, workDir, seed, env, repoRoot, history } = this.o;
    let shared: Record<string, string> = {};
    if (nodes > 1) {
      // Never restarted: a port from the kernel (with a retry when someone takes it first) is fine.
      this.mongo = await startWithPortRetry((port) => startFerretDb(ferretdbBinary(), port));
      // Restarted on the same port: one below the ephemeral range (see freePort).
      this.redisPort = await freePort();
      await this.startRedis();
      shared = {
        MONGODB_URI: `${this.mongo.url}pigeon_chaos_${seed}_${randomBytes(4).toString('hex')}`,
        REDIS_URL: this.redis!.url,
        JWT_SECRET: randomBytes(32).toString('hex'),
        // What the database answered slowly is in the node logs of a dump (C11).
        MONGO_SLOW_COMMAND_MS: String(SLOW_DB_COMMAND_MS),
      };
      history.add('cluster', `FerretDB ${this.mongo.url}, redis ${this.redis!.url}, database ${shared.MONGODB_URI}`);
    }
    for (let i = 0; i < nodes; i++) {
      this.nodes.push(
        new ServerProcess({
          repoRoot,
          dataDir: path.join(workDir, nodes === 1 ? 'data' : `data-${i}`),
          port: await freePort(),
          logFile: this.nodeLog(i),
          env: { ...env, ...shared },
        }),
      );
    }
    // One after the other: the first creates the database's indexes, as a rollout would.
    for (let i = 0; i < nodes; i++) await this.startNode(i);
  }

  isUp(i: number): boolean {
    return this.nodes[i]?.isRunning() ?? false;
  }

  /** The nodes a device's connection may go to: its own first, then the others (the load balancer's failover). */
  route(home: number): Upstream[] {
    return this.nodes.map((_, k) => (home + k) % this.nodes.length).map((node) => ({ node, port: this.nodes[node]!.port }));
  }

  /** A node that is up (for the harness's own REST calls), or node 0. */
  url(): string {
    return (this.nodes.find((n) => n.isRunning()) ?? this.first).url;
  }

  async kill(i: number): Promise<void> {
    if (!this.isUp(i)) return;
    this.o.recorder.event('kill', i);
    await this.nodes[i]!.kill();
    this.o.history.add('cluster', `node ${i} SIGKILLed`);
  }

  /**
   * Starts a node as a supervisor would: a node that exits during its start (it refuses to start
   * without Redis, for one: it checks the cluster's store identity there) is started again every
   * second, for up to a minute; each failed start is in its log and in the history.
   */
  async startNode(i: number): Promise<void> {
    if (this.isUp(i)) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.nodes[i]!.start();
        break;
      } catch (err) {
        if (!String(err).includes('exited during start') || attempt >= 60) throw err;
        this.o.history.add('cluster', `node ${i} exited during start (${this.nodes[i]!.lastExit}); starting it again in 1 s, as a supervisor would`);
        await sleep(1_000);
      }
    }
    this.o.recorder.event('start', i);
    this.o.history.add('cluster', `node ${i} up on ${this.nodes[i]!.url}`);
  }

  /** Stops redis-server now and starts it again on the same port `ms` later (without waiting for that). */
  async restartRedis(ms: number): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    this.redis = null;
    this.redisRestarts++;
    this.o.recorder.event('redis-stop');
    await this.keepLog(redis);
    await redis.stop();
    this.o.history.add('cluster', `redis stopped for ${ms} ms`);
    this.redisBack = sleep(ms).then(() => this.startRedis());
  }

  private async startRedis(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.redis = await startRedis(this.redisPort);
        break;
      } catch (err) {
        // The port is below the ephemeral range; if someone took it anyway, say so loudly.
        this.o.history.add('cluster', `redis start ${attempt} failed: ${String(err).slice(0, 300)}`);
        if (attempt >= 3) throw err;
        await sleep(500);
      }
    }
    this.o.recorder.event('redis-start');
    this.o.history.add('cluster', `redis up on ${this.redis.url}`);
  }

  private async keepLog(service: Service): Promise<void> {
    const text = await fs.promises.readFile(service.logFile, 'utf8').catch(() => '');
    await fs.promises.appendFile(this.redisLog, `--- redis-server ${service.url} until ${new Date().toISOString()} ---\n${text}`);
  }

  /** Faults stop: Redis back, every node up. */
  async heal(): Promise<void> {
    await this.redisBack;
    for (let i = 0; i < this.nodes.length; i++) await this.startNode(i);
  }

  async stop(): Promise<void> {
    await this.redisBack.catch(() => {});
    for (const n of this.nodes) await n.stop().catch(() => {});
    if (this.redis) {
      await this.keepLog(this.redis).catch(() => {});
      await this.redis.stop().catch(() => {});
    }
    await this.mongo?.stop().catch(() => {});
  }

  kills(): number {
    return this.nodes.reduce((s, n) => s + n.kills, 0);
  }

  /** The logs for a dump: each node's, and Redis's across its restarts. */
  logs(): Record<string, string> {
    const read = (f: string) => {
      try {
        return fs.readFileSync(f, 'utf8');
      } catch {
        return '';
      }
    };
    const out: Record<string, string> = {};
    this.nodes.forEach((_, i) => (out[path.basename(this.nodeLog(i))] = read(this.nodeLog(i))));
    if (this.o.nodes > 1) out['redis.log'] = read(this.redisLog);
    return out;
  }
}
