import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import type { SendMessageInput } from '../../model/message.ts';
import { networkError, waitFor } from '../../testing/index.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

/** Two accounts taking turns on one device (one database). */
describe('account switch on one device', () => {
  const env = memoryFixture();

  it("keeps A's unsent messages while B is signed in; B never sends them; A's next sign-in sends them once", async () => {
    const sends: { userId: string | null; clientId: string }[] = [];
    env.server.intercept(async (call, next) => {
      if (call.op === 'sendMessage') sends.push({ userId: call.userId, clientId: (call.input as SendMessageInput).clientId });
      return next();
    });
    const peer = env.server.addUser(env.uniqueName('peer')).user;
    const [nameA, nameB] = [env.uniqueName('anna'), env.uniqueName('ben')];
    env.server.addUser(nameB);
    const device = env.device();
    const a = await device.engine.signUp(nameA, PASSWORD);
    const withPeer = directConversationId(a.id, peer.id);

    // A writes offline, then signs out without clearing (the dialog's "Sign out anyway").
    device.engine.setNetworkEnabled(false);
    await device.engine.openConversationWith(peer);
    const unsent = [await device.engine.send(peer.id, 'anna 1'), await device.engine.send(peer.id, 'anna 2')];
    await device.engine.signOut();
    device.engine.setNetworkEnabled(true);

    // B signs in on the same device: A's messages are neither shown to B nor sent by B.
    const b = await device.engine.signIn(nameB, PASSWORD);
    expect(await device.engine.queries.outbox()).toEqual([]);
    expect(await device.engine.queries.conversations()).toEqual([]);
    expect(await device.engine.queries.messages(withPeer)).toEqual([]);
    expect(device.engine.getState().outboxSize).toBe(0);
    const fromB = await device.engine.send(peer.id, 'ben 1');
    await waitFor(async () => (await device.engine.queries.outbox()).length === 0);
    await device.engine.signOut();
    expect(sends.filter((s) => s.userId === b.id).map((s) => s.clientId)).toEqual([fromB.clientId]);
    expect(env.server.history(withPeer)).toEqual([]);

    // A signs in again: the pending messages are back at once (before any sync), then sent once.
    const hold = env.server.hold((call) => call.op === 'sendMessage');
    await device.engine.signIn(nameA, PASSWORD);
    expect((await device.engine.queries.outbox()).map((m) => [m.body, m.status])).toEqual([['anna 1', 'pending'], ['anna 2', 'pending']]);
    expect((await device.engine.queries.conversations()).map((v) => [v.conversation.id, v.peer?.id])).toEqual([[withPeer, peer.id]]);
    hold.release();
    await waitFor(async () => (await device.engine.queries.outbox()).length === 0, { describe: () => device.engine.getState() });
    expect(env.server.history(withPeer).map((m) => m.clientId)).toEqual(unsent.map((m) => m.clientId));
    expect((await device.engine.queries.messages(withPeer)).map((m) => [m.body, m.status])).toEqual([['anna 1', 'sent'], ['anna 2', 'sent']]);
    expect(sends.filter((s) => s.userId !== a.id && unsent.some((m) => m.clientId === s.clientId))).toEqual([]);
  });

  // Found by the chaos harness (tests/chaos, seeds 1, 2, 3, 12 and 13 at 200 ops, #13): a device read
  // messages, switched accounts before the read receipt reached the server, and showed them
  // unread ('delivered') again once its account came back; the sender never saw them read.
  it("A's reading survives a switch: a read receipt still owed is sent after A's next sign-in, nothing goes back to unread", async () => {
    const { alice: device, bob, a, conversationId } = await env.pair();
    const nameB = env.uniqueName('ben');
    env.server.addUser(nameB);
    const incoming = [await bob.engine.send(a.id, 'one'), await bob.engine.send(a.id, 'two')];
    const statuses = async () => (await device.engine.queries.messages(conversationId)).map((m) => m.status);
    await waitFor(async () => (await statuses()).join() === 'delivered,delivered');

    // A reads them, but the receipt does not reach the server before A signs out; B takes a turn.
    let receiptsLost = true;
    const stop = env.server.intercept(async (call, next) => {
      if (call.op === 'messageRead' && receiptsLost) throw networkError('read receipt lost');
      return next();
    });
    await device.engine.markRead(conversationId);
    expect(await statuses()).toEqual(['read', 'read']);
    await device.engine.signOut();
    await device.engine.signIn(nameB, PASSWORD);
    await device.engine.signOut();
    receiptsLost = false;
    stop();

    // A is back: the messages come back read (never unread, not even for a moment), and the receipt goes out.
    const shown: string[] = [];
    await device.engine.signIn(a.username, PASSWORD);
    await waitFor(
      async () => {
        shown.push(...(await statuses()));
        return env.server.history(conversationId).every((m) => m.status === 'read');
      },
      { timeoutMs: 5_000, describe: () => ({ shown: shown.slice(-4), server: env.server.history(conversationId).map((m) => m.status) }) },
    );
    await waitFor(async () => (await statuses()).join() === 'read,read', { timeoutMs: 5_000, describe: statuses });
    expect(shown.filter((s) => s !== 'read')).toEqual([]);
    expect((await device.engine.queries.conversations()).map((v) => v.conversation.unreadCount)).toEqual([0]);
    await waitFor(async () => (await bob.engine.queries.messages(conversationId)).map((m) => m.status).join() === 'read,read');
    expect(env.server.history(conversationId).map((m) => m.clientId)).toEqual(incoming.map((m) => m.clientId));
  });

  it("a tab still running as A never writes A's data into the database B now owns", async () => {
    const { alice: tab1, a, b, conversationId } = await env.pair();
    await tab1.engine.send(b.id, 'for alice only');
    await waitFor(async () => (await tab1.engine.queries.outbox()).length === 0);
    const tab2 = env.track(tab1.reopen());
    await tab2.resume();
    const stopped = new Promise<void>((resolve) => tab2.on('signed-out', () => resolve()));

    // Tab 2 asks for A's changes; the answer is on its way while tab 1 signs in as someone else.
    const inFlight = env.server.hold((call) => call.op === 'sync' && call.userId === a.id);
    const sync = tab2.syncNow().catch(() => {});
    await inFlight.reached;
    const nameC = env.uniqueName('carl');
    await tab1.engine.signUp(nameC, PASSWORD);
    await stopped;
    inFlight.release();
    await sync;

    expect(await tab1.engine.queries.messages(conversationId)).toEqual([]);
    expect(await tab1.engine.queries.conversations()).toEqual([]);
    expect((await tab1.engine.queries.me())?.username).toBe(nameC);
  });

  it("clearing A's data on sign-out leaves another account's parked messages alone", async () => {
    const peer = env.server.addUser(env.uniqueName('peer')).user;
    const [nameA, nameB] = [env.uniqueName('anna'), env.uniqueName('ben')];
    const device = env.device();
    const a = await device.engine.signUp(nameA, PASSWORD);
    device.engine.setNetworkEnabled(false);
    const unsent = await device.engine.send(peer.id, 'parked while ben is here');
    await device.engine.signOut();

    await device.engine.signUp(nameB, PASSWORD);
    await device.engine.signOut({ clearData: true });
    device.engine.setNetworkEnabled(true);

    await device.engine.signIn(nameA, PASSWORD);
    await waitFor(async () => (await device.engine.queries.outbox()).length === 0);
    expect(env.server.history(directConversationId(a.id, peer.id)).map((m) => m.clientId)).toEqual([unsent.clientId]);
  });
});
