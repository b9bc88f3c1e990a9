import { directConversationId } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { PASSWORD, serverHistory, uniqueName, useServer, waitFor } from './helpers.ts';

/**
 * A send still on its way while its account signs out and another one signs in on the same
 * device (reliability.md C6, chaos seed 4 with 2 nodes). The server stores A's message but the
 * ack is lost; the lane retries over REST and that POST stalls on the network until after the
 * switch. It then reaches the server with A's token, which the sign-out revoked: 401. That
 * refusal must not be "recovered" with the token now in use — B's — or the server stores A's
 * text a second time with B as the sender.
 */
describe('a send in flight across an account switch', () => {
  /** Bodies whose socket ack the server drops after storing (it cuts the transport instead). */
  const dropAck = new Set<string>();
  const env = useServer({
    testHooks: {
      afterStoreBeforeAck: (_socketId, message) => (dropAck.has(message.body) ? 'drop' : undefined),
    },
  });

  /** Every POST /api/messages of the device: whose token it carried, which clientId, the answer. */
  const posts: { sub: string; clientId: string; status?: number }[] = [];
  let stall: { reached: () => void; release: Promise<void> } | null = null;
  let blockSync = false;
  const subOf = (authorization: string) => JSON.parse(Buffer.from(authorization.split('.')[1]!, 'base64url').toString()).sub as string;
  const network: typeof fetch = async (input, init) => {
    const url = String(input);
    if (blockSync && url.includes('/api/sync')) throw new TypeError('fetch failed');
    if (!url.endsWith('/api/messages') || init?.method !== 'POST') return fetch(input, init);
    const post = { sub: subOf(new Headers(init.headers).get('authorization') ?? ''), clientId: JSON.parse(String(init.body)).clientId as string } as (typeof posts)[number];
    posts.push(post);
    const held = stall;
    stall = null;
    if (held) {
      held.reached();
      await held.release; // the request (headers and all) waits on the network, then goes on
    }
    const response = await fetch(input, init);
    post.status = response.status;
    return response;
  };

  it.each([
    { caseName: 'the catch-up marks it sent before the sign-out', catchUp: true },
    { caseName: 'still queued at the sign-out (parked, resent at the next sign-in)', catchUp: false },
  ])("A's message is stored once, as A's, never as B's ($caseName)", async ({ catchUp }) => {
    posts.length = 0;
    // One lost socket ack and the next attempt goes over REST.
    const { alice: device, bob, a, b } = await env.pair({ alice: { fetch: network, socketFailuresBeforeRest: 1 } });
    const withBob = directConversationId(a.id, b.id);
    await waitFor(() => device.engine.getState().connection === 'online');

    // A sends: the server stores it, the ack is lost; the REST retry stalls before it reaches the server.
    const body = `on my way ${catchUp ? 1 : 2}`;
    dropAck.add(body);
    let reached!: () => void;
    let release!: () => void;
    const stalled = new Promise<void>((r) => (reached = r));
    stall = { reached, release: new Promise<void>((r) => (release = r)) };
    blockSync = true; // the reconnect's catch-up must not find the stored copy before the retry starts
    const sent = await device.engine.send(b.id, body);
    await stalled;
    expect(posts).toEqual([{ sub: a.id, clientId: sent.clientId }]);
    expect((await serverHistory(env.t.server, withBob)).map((m) => [m.clientId, m.senderId])).toEqual([[sent.clientId, a.id]]);
    if (catchUp) {
      blockSync = false;
      await device.engine.syncNow();
      expect((await device.engine.queries.messages(withBob)).map((m) => m.seq)).toEqual([1]);
    }
    expect((await device.engine.queries.outbox()).length).toBe(catchUp ? 0 : 1);

    // A signs out (the server revokes A's session), B signs in on the same database.
    await device.engine.signOut();
    blockSync = false;
    const nameB = uniqueName('ben');
    const ben = await device.engine.signUp(nameB, PASSWORD);
    const benWithBob = directConversationId(ben.id, b.id);
    await waitFor(() => device.engine.getState().connection === 'online');

    // The stalled POST goes on now, with A's revoked token: refused, and nothing else is sent for it.
    release();
    await waitFor(() => posts[0]!.status !== undefined);
    await new Promise((r) => setTimeout(r, 500)); // room for a wrong retry to show up
    await waitFor(() => posts.every((p) => p.status !== undefined));
    expect(posts[0]!.status).toBe(401);
    expect(posts.filter((p) => p.sub !== a.id)).toEqual([]);
    expect(await serverHistory(env.t.server, benWithBob)).toEqual([]);
    expect(await device.engine.queries.outbox()).toEqual([]);
    expect(await device.engine.queries.messages(withBob)).toEqual([]);

    // A comes back: whatever was still queued goes out once more under A (deduped), nothing twice.
    await device.engine.signOut();
    await device.engine.signIn(a.username, PASSWORD);
    await waitFor(async () => (await device.engine.queries.outbox()).length === 0);
    await device.engine.syncNow();
    const stored = await serverHistory(env.t.server, withBob);
    expect(stored.map((m) => [m.clientId, m.senderId, m.body])).toEqual([[sent.clientId, a.id, body]]);
    expect((await device.engine.queries.messages(withBob)).map((m) => [m.clientId, m.id, m.seq])).toEqual([[sent.clientId, stored[0]!.id, 1]]);
    expect(posts.filter((p) => p.sub !== a.id)).toEqual([]);
    expect(await serverHistory(env.t.server, benWithBob)).toEqual([]);
    await waitFor(async () => (await bob.engine.queries.messages(withBob)).length === 1);
    expect((await bob.engine.queries.messages(withBob)).map((m) => m.senderId)).toEqual([a.id]);
  });
});
