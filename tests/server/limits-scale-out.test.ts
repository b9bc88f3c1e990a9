import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.ts';
import { randomAddress, registerFrom } from './abuse-helpers.ts';
import { createGroup, getGroup, renameGroup, sendToGroup } from './group-helpers.ts';
import { noteMongoSkip, sendOverRest, sendOverSocket, STORE_VARIANTS, uniqueName, useTestServer } from './helpers.ts';

const redisUrl = inject('redisUrl');

/**
 * Issue #14: with REDIS_URL the send limit and the abuse limits are the cluster's, not
 * each node's. Two nodes over the suite's real redis-server; a window of an hour, so no
 * window can end while a test runs however slow the machine.
 */
describe.skipIf(!redisUrl).each(STORE_VARIANTS)('limits of a two-node cluster on $kind', (variant) => {
  const SENDS = 6;
  const REGISTRATIONS = 3;
  const t = useTestServer(variant, {
    redisUrl,
    trustProxy: true,
    sendRateLimit: SENDS,
    sendRateWindowMs: 3_600_000,
    registerLimitPerIp: REGISTRATIONS,
    authLimitWindowMs: 3_600_000,
  });
  let nodeA: RunningServer;
  let nodeB: RunningServer;
  // Each user registers from an address of its own: the register limit here is small, and per address.
  const register = async (url: string) => {
    const res = await registerFrom(url, uniqueName('lim'), 'a password', randomAddress());
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
    const body = res.body as { token: string; user: { id: string } };
    return { token: body.token, id: body.user.id };
  };
  beforeAll(async () => {
    nodeA = t.server;
    nodeB = await t.startPeer();
  });

  it('SEND_RATE_LIMIT: exactly N sends accepted across both nodes, REST and socket, then RATE_LIMITED on both', async () => {
    const [a, b] = await Promise.all([register(nodeA.url), register(nodeA.url)]);
    const onB = await t.open(a.token, nodeB);
    const results: string[] = [];
    // Alternating nodes and transports: per node, each would have allowed all of these.
    for (let i = 0; i < 5; i++) {
      results.push(String((await sendOverRest(nodeA.url, a.token, b.id, `rest ${i}`)).status));
      const ack = await sendOverSocket(onB, b.id, `socket ${i}`);
      results.push(ack.ok ? 'ok' : ack.code);
    }
    expect(results).toEqual(['201', 'ok', '201', 'ok', '201', 'ok', '429', 'RATE_LIMITED', '429', 'RATE_LIMITED']);
    const over = await sendOverRest(nodeB.url, a.token, b.id, 'one too many');
    expect(over).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } } });
    // The other user's budget is untouched.
    expect((await sendOverRest(nodeB.url, b.token, a.id, 'hi')).status).toBe(201);
  });

  it('SEND_RATE_LIMIT under concurrency: 30 sends at once through both nodes, exactly N stored', async () => {
    const [a, b] = await Promise.all([register(nodeA.url), register(nodeA.url)]);
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => sendOverRest(i % 2 ? nodeB.url : nodeA.url, a.token, b.id, `burst ${i}`).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(SENDS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - SENDS);
    const history = await fetch(`${nodeB.url}/api/messages/conversation?with=${b.id}&limit=100`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(((await history.json()) as { messages: unknown[] }).messages).toHaveLength(SENDS);
  });

  it('a 429 on sends says when to retry (Retry-After)', async () => {
    const [a, b] = await Promise.all([register(nodeA.url), register(nodeA.url)]);
    for (let i = 0; i < SENDS; i++) expect((await sendOverRest(i % 2 ? nodeB.url : nodeA.url, a.token, b.id, `m${i}`)).status).toBe(201);
    const res = await fetch(`${nodeA.url}/api/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: crypto.randomUUID(), to: b.id, body: 'over' }),
    });
    expect(res.status).toBe(429);
    // The window is an hour: the answer is the time left in it, not a default.
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(3_000);
  });

  it('group creations and changes take from the same budget as sends, on both nodes; nothing over it is applied', async () => {
    const [a, b, c] = await Promise.all([register(nodeA.url), register(nodeA.url), register(nodeA.url)]);
    const created = await createGroup(nodeA.url, a.token, [b.id, c.id], 'Budget');
    expect(created.status).toBe(201);
    const id = created.body.conversation.id;
    const results: number[] = [];
    for (let i = 0; i < SENDS; i++) {
      const node = i % 2 ? nodeA.url : nodeB.url;
      results.push((i % 3 === 2 ? await sendToGroup(node, a.token, id, `text ${i}`) : await renameGroup(node, a.token, id, `Budget ${i}`)).status);
    }
    // One creation + SENDS - 1 renames and texts fit; the last call of the loop and everything after are over.
    expect(results).toEqual([...Array.from({ length: SENDS - 1 }, (_, i) => (i % 3 === 2 ? 201 : 200)), 429]);
    const over = await renameGroup(nodeB.url, a.token, id, 'one too many');
    expect(over).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } } });
    expect((await createGroup(nodeA.url, a.token, [b.id], 'Another')).status).toBe(429);
    // Nothing refused was applied; another member's budget is untouched.
    expect((await getGroup(nodeA.url, b.token, id)).body.conversation.title).toBe(`Budget ${SENDS - 2}`);
    expect((await sendToGroup(nodeA.url, b.token, id, 'from b')).status).toBe(201);
  });

  it('REGISTER_LIMIT_IP: registrations from one address count on both nodes', async () => {
    const address = randomAddress();
    const statuses: number[] = [];
    for (const node of [nodeA, nodeB, nodeA, nodeB, nodeA]) statuses.push((await registerFrom(node.url, uniqueName('reg'), 'a password', address)).status);
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    // Another address is not affected.
    expect((await registerFrom(nodeB.url, uniqueName('reg'), 'a password', randomAddress())).status).toBe(201);
  });
});
noteMongoSkip('limits of a two-node cluster');
