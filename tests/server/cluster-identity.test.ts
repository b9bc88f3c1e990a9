import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/src/index.ts';
import { freePort, ServerProcess } from '../chaos/server-process.ts';
import { http, noteMongoSkip, register, STORE_VARIANTS, TEST_JWT_SECRET, useTestServer } from './helpers.ts';
import { TEST_SERVER_OPTIONS } from '../setup/test-server-options.ts';

const redisUrl = inject('redisUrl');
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const REFUSAL = /refusing to start: this node's store .* is not the cluster's store/;

/**
 * Issue #14, "refuse a split cluster": a node whose store is not the one the cluster's
 * first node recorded in Redis does not start; nodes on the same store do.
 */
describe.skipIf(!redisUrl).each(STORE_VARIANTS)('cluster store identity on $kind', (variant) => {
  const t = useTestServer(variant, { redisUrl });
  const extraDirs: string[] = [];
  afterAll(async () => {
    for (const dir of extraDirs) await rm(dir, { recursive: true, force: true });
  });

  /** The same REDIS_URL and cluster key as the suite's node, on another store (another DATA_DIR, or another Mongo database). */
  async function otherStoreOptions() {
    const dataDir = await mkdtemp(join(tmpdir(), 'pigeon-other-store-'));
    extraDirs.push(dataDir);
    return {
      port: 0,
      dataDir,
      mongodbUri: variant.mongoUri ?? null,
      mongoDbName: variant.mongoUri ? `pigeon_other_${randomBytes(6).toString('hex')}` : null,
      redisUrl,
      clusterStoreKey: t.server.config.clusterStoreKey,
      jwtSecret: TEST_JWT_SECRET,
      logLevel: 'silent' as const,
      ...TEST_SERVER_OPTIONS,
    };
  }

  it('a node on another store with the same REDIS_URL is refused, saying what to do', async () => {
    const refusal = await startServer(await otherStoreOptions()).then(
      (server) => server.close().then(() => 'started'),
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(Error);
    const message = (refusal as Error).message;
    expect(message).toMatch(REFUSAL);
    expect(message).toContain(variant.kind === 'sqlite' ? 'DATA_DIR=' : 'database pigeon_other_');
    expect(message).toContain('same DATA_DIR');
    expect(message).toContain('MONGODB_URI');
    expect(message).toContain(`DEL ${t.server.config.clusterStoreKey}`);
    // The cluster's node is unaffected.
    expect((await http(t.url, '/api/health')).status).toBe(200);
  });

  it('a node on the same store joins, and sees the same users', async () => {
    const peer: RunningServer = await t.startPeer();
    const user = await register(t.url);
    const me = await http(peer.url, '/api/users/me', { token: user.token });
    expect(me).toMatchObject({ status: 200, body: { user: { id: user.id } } });
  });

  it('the documented reset (DEL of the key) lets a node on a new store start and become the cluster store', async () => {
    const options = await otherStoreOptions();
    const key = `${t.server.config.clusterStoreKey}:moved`;
    const redis = new Redis(redisUrl!);
    try {
      const first = await startServer({ ...options, clusterStoreKey: key, dataDir: t.server.config.dataDir, mongoDbName: t.server.config.mongoDbName });
      await first.close();
      await expect(startServer({ ...options, clusterStoreKey: key })).rejects.toThrow(REFUSAL);
      expect(await redis.del(key)).toBe(1);
      const moved = await startServer({ ...options, clusterStoreKey: key });
      await moved.close();
      // Now the old store is the foreign one.
      await expect(startServer({ ...options, clusterStoreKey: key, dataDir: t.server.config.dataDir, mongoDbName: t.server.config.mongoDbName })).rejects.toThrow(REFUSAL);
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });
});
noteMongoSkip('cluster store identity');

/** As an operator runs it: `node server/src/main.ts` processes with SQLite, DATA_DIR and REDIS_URL. */
describe.skipIf(!redisUrl)('cluster store identity: separate processes on SQLite', () => {
  const dirs: string[] = [];
  const processes: ServerProcess[] = [];
  const key = `pigeon:test:${randomBytes(6).toString('hex')}:store-identity`;
  afterAll(async () => {
    for (const p of processes) await p.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    const redis = new Redis(redisUrl!);
    await redis.del(key).finally(() => redis.disconnect());
  });

  const logFiles = new Map<ServerProcess, string>();
  async function node(dataDir: string): Promise<ServerProcess> {
    const logFile = join(await mkdtemp(join(tmpdir(), 'pigeon-identity-log-')), 'server.log');
    dirs.push(logFile.replace(/\/server\.log$/, ''));
    const p = new ServerProcess({ repoRoot: REPO, dataDir, port: await freePort(), logFile, env: { REDIS_URL: redisUrl!, CLUSTER_STORE_KEY: key, LOG_LEVEL: 'info' }, startTimeoutMs: 90_000 });
    processes.push(p);
    logFiles.set(p, logFile);
    return p;
  }

  it('two processes on one DATA_DIR start and share the data; a third on another DATA_DIR exits 2 with the refusal', async () => {
    const shared = await mkdtemp(join(tmpdir(), 'pigeon-shared-dir-'));
    const other = await mkdtemp(join(tmpdir(), 'pigeon-other-dir-'));
    dirs.push(shared, other);
    const [one, two, three] = [await node(shared), await node(shared), await node(other)];
    await one.start();
    await two.start();
    const user = await register(one.url);
    expect((await http(two.url, '/api/users/me', { token: user.token })).status).toBe(200);

    await expect(three.start()).rejects.toThrow(/exited during start \(code 2/);
    const log = await readFile(logFiles.get(three)!, 'utf8');
    expect(log).toMatch(REFUSAL);
    expect(log).toContain(`pigeon: refusing to start`);
    expect(log).toContain(`DATA_DIR=${other}`);
    // The refused node changed nothing: the first two still serve.
    expect((await http(two.url, '/api/users/me', { token: user.token })).status).toBe(200);
    // Three node processes start one after another (tsx compiles each); on a busy 2-core machine that alone took 40–60 s.
  }, 240_000);
});
