import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.ts';
import { noteMongoSkip, register, STORE_VARIANTS, uniqueName, useTestServer } from './helpers.ts';
import { login, randomAddress, registerFrom } from './abuse-helpers.ts';

const redisUrl = inject('redisUrl');

/**
 * With REDIS_URL the limits are shared by every node (rate-limiter-flexible over Redis):
 * an attacker gains nothing by spreading attempts over nodes behind a balancer.
 */
describe.skipIf(!redisUrl).each(STORE_VARIANTS)('limits shared through Redis across two nodes on $kind', (variant) => {
  const t = useTestServer(variant, { redisUrl, trustProxy: true, loginLimitPerUser: 4, authLimitWindowMs: 60_000, userEventLimit: 10, socketEventLimit: 1_000 });
  let nodeA: RunningServer;
  let nodeB: RunningServer;
  beforeAll(async () => {
    nodeA = t.server;
    nodeB = await t.startPeer();
  });

  it('the per-username login limit counts attempts on both nodes', async () => {
    const username = uniqueName('shared');
    expect((await registerFrom(nodeA.url, username, 'right password', randomAddress())).status).toBe(201);
    // Two wrong attempts on each node: 4 in all, the limit. Per node, each would have seen only 2.
    for (const node of [nodeA, nodeB, nodeA, nodeB]) expect((await login(node.url, username, 'wrong', randomAddress())).status).toBe(401);
    for (const node of [nodeA, nodeB]) {
      const res = await login(node.url, username, 'right password', randomAddress());
      expect(res).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } } });
      expect(Number(res.retryAfter)).toBeGreaterThan(0);
    }
  });

  it('a success on one node resets the username on both', async () => {
    const username = uniqueName('reset');
    expect((await registerFrom(nodeA.url, username, 'right password', randomAddress())).status).toBe(201);
    for (const node of [nodeA, nodeB, nodeA]) expect((await login(node.url, username, 'wrong', randomAddress())).status).toBe(401);
    expect((await login(nodeB.url, username, 'right password', randomAddress())).status).toBe(200);
    for (const node of [nodeA, nodeB, nodeA]) expect((await login(node.url, username, 'wrong', randomAddress())).status).toBe(401);
    expect((await login(nodeA.url, username, 'right password', randomAddress())).status).toBe(200);
  });

  it('the per-user event budget spans the user’s sockets on both nodes', async () => {
    const [u, peer] = await Promise.all([register(nodeA.url), register(nodeA.url)]);
    const [onA, onB] = [await t.open(u.token, nodeA), await t.open(u.token, nodeB)];
    const ask = (s: typeof onA) => s.timeout(10_000).emitWithAck('user-status', { userId: peer.id }) as Promise<{ ok: boolean; code?: string }>;
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await ask(onA), await ask(onB));
    // 10 per user per window in all: the 11th to the 16th are refused, whichever node they reach.
    expect(answers.slice(0, 10).every((a) => a.ok)).toBe(true);
    expect(answers.slice(10).every((a) => a.code === 'RATE_LIMITED')).toBe(true);
  });
});
noteMongoSkip('limits shared through Redis');
