import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.ts';
import { REDIS_SERVER, startRedis, startWithPortRetry, type Service } from '../setup/services.ts';
import { existsSync } from 'node:fs';
import { register, sendOverRest, startTestServer, waitFor, type TestServer, type TestUser } from './helpers.ts';

const SENDS = 4;

/**
 * Redis down must not block sends: the limiters fall back to their in-memory insurance
 * (the same numbers, counted by each node alone) and every send is answered, 201 or 429,
 * never 500 and never held. When Redis is back, the counters are the cluster's again.
 * This suite stops and restarts a redis-server of its own (the shared one serves other suites).
 */
describe.skipIf(!existsSync(REDIS_SERVER))('send limit while Redis is down (SQLite, two nodes)', () => {
  let redis: Service;
  let port: number;
  let t: TestServer;
  let nodeA: RunningServer;
  let nodeB: RunningServer;
  beforeAll(async () => {
    redis = await startWithPortRetry((p) => startRedis(p));
    port = Number(new URL(redis.url).port);
    t = await startTestServer({ kind: 'sqlite' }, { redisUrl: redis.url, sendRateLimit: SENDS, sendRateWindowMs: 3_600_000 });
    nodeA = t.server;
    nodeB = await t.startPeer();
  });
  afterAll(async () => {
    await nodeB?.close();
    await t?.dispose();
    await redis?.stop();
  });

  const send = (node: RunningServer, from: TestUser, to: TestUser, body: string) => sendOverRest(node.url, from.token, to.id, body).then((r) => r.status);

  it('each node allows N on its own while Redis is down; with Redis back (empty) the count is the cluster’s again and the store identity is recorded again', async () => {
    const [a, b] = await Promise.all([register(nodeA.url), register(nodeA.url)]);
    await redis.stop();

    const answers: number[] = [];
    for (let i = 0; i < SENDS + 2; i++) answers.push(await send(nodeA, a, b, `A ${i}`));
    for (let i = 0; i < SENDS + 2; i++) answers.push(await send(nodeB, a, b, `B ${i}`));
    // Per node: N accepted, then RATE_LIMITED from the insurance limiter. Nothing failed, nothing hung.
    const perNode = [...Array(SENDS).fill(201), 429, 429];
    expect(answers).toEqual([...perNode, ...perNode]);

    redis = await startRedis(port);
    const probe = new Redis(redis.url);
    try {
      // Each node's limiters come back to Redis by themselves (after their breaker's pause): a fresh
      // user's first send through a node then creates its counter in Redis.
      const countedInRedis = async (node: RunningServer) => {
        const user = await register(nodeA.url);
        expect(await send(node, user, b, 'probe')).toBe(201);
        return (await probe.exists(`pigeon:limit:send-user:${user.id}`)) === 1;
      };
      await waitFor('both nodes counting in Redis again', async () => (await countedInRedis(nodeA)) && (await countedInRedis(nodeB)), 30_000);
      // Redis came back empty: the running nodes recorded their store as the cluster's again (cluster/store-identity.ts).
      const identity = await nodeA.store.storeIdentity();
      await waitFor('the store identity recorded again', async () => (await probe.get(nodeA.config.clusterStoreKey)) === identity);
      const c = await register(nodeA.url);
      const after: number[] = [];
      for (let i = 0; i < SENDS + 2; i++) after.push(await send(i % 2 ? nodeA : nodeB, c, b, `after ${i}`));
      expect(after).toEqual([...Array(SENDS).fill(201), 429, 429]);
    } finally {
      probe.disconnect();
    }
  });
});
