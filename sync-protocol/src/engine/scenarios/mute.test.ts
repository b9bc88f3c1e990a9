/**
 * Per-chat mute across a user's devices (up/mutes.ts): applied at once, queued in the outbox
 * (across a restart too, one entry per chat whatever the number of changes), sent when the network
 * is back; other devices follow by the `conversation-muted` event when online, by the list fetched
 * after their next catch-up when they were offline; a change still queued here is never
 * overwritten by what the server said before it; `unreadTotal` leaves muted chats out.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
import type { SyncEngine } from '../api.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

const offline = async (engine: SyncEngine) => {
  engine.setNetworkEnabled(false);
  await waitFor(() => engine.getState().connection === 'offline');
};
const muted = async (engine: SyncEngine, conversationId: string) => (await engine.queries.conversation(conversationId))?.conversation.muted === true;

describe('mute across devices', () => {
  const env = memoryFixture();

  /** Alice on three devices (A signed up; B and C signed in), all holding the chat with Bob. */
  async function threeDevices() {
    const { alice, bob, a, b, conversationId } = await env.pair();
    await bob.engine.send(a.id, 'hello');
    const more = [env.device(), env.device()];
    for (const d of more) await d.engine.signIn(a.username, PASSWORD);
    for (const engine of [alice.engine, ...more.map((d) => d.engine)]) await waitFor(async () => (await engine.queries.conversation(conversationId)) !== undefined);
    return { A: alice.engine, B: more[0]!.engine, C: more[1]!.engine, bob, a, b, conversationId };
  }

  it('a mute made offline reaches the server on reconnect, an online device by event, an offline one after its reconnect (and so does an unmute)', async () => {
    const { A, B, C, a, conversationId } = await threeDevices();
    await offline(C);
    await offline(A);
    await A.setMuted(conversationId, true);
    expect(await muted(A, conversationId)).toBe(true); // at once, offline
    expect(A.getState()).toMatchObject({ outboxSize: 1, outboxActions: 1 }); // not "a message waiting"
    expect(env.server.notifications.isMuted(a.id, conversationId)).toBe(false);

    A.setNetworkEnabled(true);
    await waitFor(() => A.getState().outboxSize === 0);
    expect(env.server.notifications.isMuted(a.id, conversationId)).toBe(true);
    await waitFor(() => muted(B, conversationId)); // the event
    expect(await muted(C, conversationId)).toBe(false);
    C.setNetworkEnabled(true);
    await waitFor(() => muted(C, conversationId)); // the list after its catch-up

    // The unmute, from B, while C is away again.
    await offline(C);
    await B.setMuted(conversationId, false);
    await waitFor(() => !env.server.notifications.isMuted(a.id, conversationId));
    await waitFor(async () => !(await muted(A, conversationId)));
    C.setNetworkEnabled(true);
    await waitFor(async () => !(await muted(C, conversationId)));
  });

  it('a mute still queued here is not overwritten by the server (event, list) meanwhile; then every device shows the server order', async () => {
    const { A, B, a, conversationId } = await threeDevices();
    // A's mute reaches the server first (stored on arrival), its answer is held: A still has it queued.
    const hold = env.server.hold((call) => call.op === 'setMute' && (call.input as { muted?: boolean }).muted === true);
    await A.setMuted(conversationId, true);
    await hold.reached;
    // Then B unmutes: the server tells A (event) and lists it (after A's catch-up) while A's change is out.
    await B.setMuted(conversationId, false);
    await waitFor(() => B.getState().outboxSize === 0);
    await A.syncNow();
    await new Promise((r) => setTimeout(r, 100));
    expect(await muted(A, conversationId)).toBe(true);
    hold.release();
    await waitFor(() => A.getState().outboxSize === 0);
    // B's unmute came later in the server's order: it is the state, on A too (A's older answer does not undo it).
    expect(env.server.notifications.isMuted(a.id, conversationId)).toBe(false);
    await waitFor(async () => !(await muted(A, conversationId)));
    await new Promise((r) => setTimeout(r, 100));
    expect(await muted(A, conversationId)).toBe(false);
    expect(await muted(B, conversationId)).toBe(false);
  });

  it('several changes queued offline are one entry, kept across a restart; the server gets the last value once', async () => {
    const { alice, a, conversationId } = await env.pair().then(async (p) => {
      await p.bob.engine.send(p.a.id, 'hi');
      await waitFor(async () => (await p.alice.engine.queries.conversation(p.conversationId)) !== undefined);
      return p;
    });
    let calls = 0;
    const stop = env.server.intercept(async (call, next) => {
      if (call.op === 'setMute' && call.userId === a.id) calls++;
      return next();
    });
    await offline(alice.engine);
    await alice.engine.setMuted(conversationId, true);
    await alice.engine.setMuted(conversationId, false);
    await alice.engine.setMuted(conversationId, true);
    await waitFor(() => alice.engine.getState().outboxSize === 1);
    await alice.engine.close();

    const again = alice.reopen();
    again.setNetworkEnabled(false);
    await again.resume();
    expect(await muted(again, conversationId)).toBe(true);
    await waitFor(() => again.getState().outboxSize === 1);
    expect(calls).toBe(0);
    again.setNetworkEnabled(true);
    await waitFor(() => again.getState().outboxSize === 0);
    expect(calls).toBe(1);
    expect(env.server.notifications.isMuted(a.id, conversationId)).toBe(true);
    stop();
  });
});

describe('unreadTotal', () => {
  const env = memoryFixture();

  it('sums the unread counts of the chats that are not muted', async () => {
    const { alice, bob, a, b, conversationId } = await env.pair();
    const carol = env.device();
    const c = await carol.engine.signUp(env.uniqueName('carol'), PASSWORD);
    await alice.engine.send(b.id, 'one');
    await alice.engine.send(b.id, 'two');
    await carol.engine.send(b.id, 'three');
    await waitFor(async () => (await bob.engine.queries.unreadTotal()) === 3);
    await bob.engine.setMuted(conversationId, true);
    expect(await bob.engine.queries.unreadTotal()).toBe(1);
    // A new message in the muted chat counts in its own badge, not in the total.
    await alice.engine.send(b.id, 'four');
    await waitFor(async () => (await bob.engine.queries.conversation(conversationId))?.conversation.unreadCount === 3);
    expect(await bob.engine.queries.unreadTotal()).toBe(1);
    expect(await muted(bob.engine, conversationId)).toBe(true); // kept through the summary's rewrite
    await bob.engine.setMuted(conversationId, false);
    expect(await bob.engine.queries.unreadTotal()).toBe(4);
    expect([a.id, c.id]).toHaveLength(2);
  });
});
