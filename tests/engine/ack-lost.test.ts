import type { Message } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { serverHistory, useServer, waitFor } from './helpers.ts';

/**
 * The server stores a send and then drops the socket instead of acking
 * (testHooks.afterStoreBeforeAck). The engine must resend the same clientId and
 * end with exactly one copy on both sides.
 */
describe('ack lost after the server stored the message', () => {
  /** body → how many more times its ack is dropped. */
  const drops = new Map<string, number>();
  const dropped: Message[] = [];
  const env = useServer({
    testHooks: {
      afterStoreBeforeAck(_socketId, message) {
        const left = drops.get(message.body) ?? 0;
        if (left <= 0) return;
        drops.set(message.body, left - 1);
        dropped.push(message);
        return 'drop';
      },
    },
  });

  /** POST /api/messages calls, i.e. sends that took the REST fallback. */
  let restPosts = 0;
  /** While set, /api/sync fails, so a catch-up cannot find the stored copy before the resend does. */
  let blockSync = false;
  const countingFetch: typeof fetch = async (input, init) => {
    if (String(input).endsWith('/api/messages') && init?.method === 'POST') restPosts++;
    if (blockSync && String(input).includes('/api/sync')) throw new TypeError('fetch failed');
    return fetch(input, init);
  };

  async function pair() {
    const p = await env.pair({ alice: { fetch: countingFetch } });
    await waitFor(() => p.alice.engine.getState().connection === 'online');
    return p;
  }

  it('a retry over the socket yields the stored message: one copy on both sides', async () => {
    const { alice, bob, b, conversationId } = await pair();
    drops.set('dropped once', 1);
    blockSync = true; // otherwise the reconnect's catch-up may find the stored copy first (also correct)
    const before = await alice.engine.send(b.id, 'before');
    const sent = await alice.engine.send(b.id, 'dropped once');
    const after = await alice.engine.send(b.id, 'after');
    await waitFor(async () => (await alice.engine.queries.outbox()).length === 0);
    blockSync = false;
    expect(dropped.filter((m) => m.body === 'dropped once')).toHaveLength(1);

    const stored = await serverHistory(env.t.server, conversationId);
    expect(stored.map((m) => m.body)).toEqual(['before', 'dropped once', 'after']);
    const storedCopy = stored[1]!;
    expect(dropped.find((m) => m.body === 'dropped once')?.id).toBe(storedCopy.id);

    const local = await alice.engine.queries.messages(conversationId);
    expect(local.map((m) => m.key)).toEqual([before.key, sent.key, after.key]);
    expect(local[1]).toMatchObject({ id: storedCopy.id, seq: storedCopy.seq, clientId: sent.clientId });
    await waitFor(async () => (await bob.engine.queries.messages(conversationId)).length === 3);
    expect((await bob.engine.queries.messages(conversationId)).map((m) => m.id)).toEqual(stored.map((m) => m.id));
  });

  it('after repeated socket failures the same clientId goes over REST and is deduped', async () => {
    const { alice, bob, b, conversationId } = await pair();
    // Every socket attempt loses its ack: after socketFailuresBeforeRest (3) failures — or
    // earlier, if the socket stays down longer than restFallbackAfterMs — REST takes over.
    drops.set('dropped thrice', 3);
    blockSync = true;
    const postsBefore = restPosts;
    const sent = await alice.engine.send(b.id, 'dropped thrice');
    const next = await alice.engine.send(b.id, 'next');
    await waitFor(async () => (await alice.engine.queries.outbox()).length === 0, { describe: () => alice.engine.getState() });

    blockSync = false;
    const drops3 = dropped.filter((m) => m.body === 'dropped thrice');
    expect(drops3.length).toBeGreaterThanOrEqual(1);
    expect(restPosts).toBeGreaterThan(postsBefore);
    const stored = await serverHistory(env.t.server, conversationId);
    expect(stored.map((m) => m.body)).toEqual(['dropped thrice', 'next']);
    expect(new Set(drops3.map((m) => m.id))).toEqual(new Set([stored[0]!.id]));
    const local = await alice.engine.queries.messages(conversationId);
    expect(local.map((m) => [m.key, m.id])).toEqual([
      [sent.key, stored[0]!.id],
      [next.key, stored[1]!.id],
    ]);
    await waitFor(async () => (await bob.engine.queries.messages(conversationId)).length === 2);
  });
});
