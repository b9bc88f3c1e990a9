import { describe, expect, it } from 'vitest';
import { networkError, waitFor } from '../../testing/index.ts';
import type { Device } from './fixture.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

/**
 * A group read on one device reaches the reader's other devices (docs/sync-protocol.md section 5,
 * Groups): live as `read-position`, and through the conversation list's `readSeq` for a device
 * that was offline. A group message's status is the aggregate over the members, so in a group of
 * three one member's read changes no status and nothing else would tell the other device.
 */
describe('a group read on one device, on the reader’s other devices', () => {
  const env = memoryFixture();

  async function setup() {
    const alice = env.device();
    const a = await alice.engine.signUp(env.uniqueName('alice'), PASSWORD);
    const bobName = env.uniqueName('bob');
    const phone = env.device();
    const b = await phone.engine.signUp(bobName, PASSWORD);
    const laptop = env.device();
    await laptop.engine.signIn(bobName, PASSWORD);
    const carol = env.device();
    const c = await carol.engine.signUp(env.uniqueName('carol'), PASSWORD);
    const group = await alice.engine.createGroup('Reads', [b.id, c.id]);
    const id = (await waitFor(async () => {
      const view = await alice.engine.queries.conversation(group.id);
      return view && !view.conversation.local ? view.conversation.id : null;
    })) as string;
    return { alice, phone, laptop, a, b, id };
  }

  const unread = async (d: Device, id: string) => (await d.engine.queries.conversations()).find((v) => v.conversation.id === id)?.conversation.unreadCount;
  const from = async (d: Device, id: string, senderId: string) =>
    (await d.engine.queries.messages(id, 1000)).filter((m) => m.type !== 'system' && m.senderId === senderId);

  it('live: reading on the phone clears the laptop’s badge; the aggregate status of the messages does not move', async () => {
    const { alice, phone, laptop, a, id } = await setup();
    for (const body of ['one', 'two', 'three']) await alice.engine.sendToConversation(id, body);
    for (const d of [phone, laptop]) await waitFor(async () => (await unread(d, id)) === 3, { describe: () => unread(d, id) });

    await phone.engine.markRead(id);
    await waitFor(async () => (await unread(laptop, id)) === 0, { describe: () => unread(laptop, id) });
    expect((await from(laptop, id, a.id)).map((m) => m.status)).toEqual(['read', 'read', 'read']);
    // Carol has not read: alice's messages are not read for her (delivered at most).
    expect((await alice.engine.queries.messages(id, 1000)).filter((m) => m.type !== 'system').every((m) => m.status !== 'read')).toBe(true);
    // A later message is unread on both again (the position covers only what it covered).
    await alice.engine.sendToConversation(id, 'four');
    for (const d of [phone, laptop]) await waitFor(async () => (await unread(d, id)) === 1, { describe: () => unread(d, id) });
  });

  it('offline: the laptop learns the position from the conversation list when it connects, and stores later copies below it as read', async () => {
    const { alice, phone, laptop, b, id } = await setup();
    await alice.engine.sendToConversation(id, 'before');
    await waitFor(async () => (await unread(laptop, id)) === 1);
    laptop.engine.setNetworkEnabled(false);
    for (const body of ['while away 1', 'while away 2']) await alice.engine.sendToConversation(id, body);
    await waitFor(async () => (await unread(phone, id)) === 3, { describe: () => unread(phone, id) });
    // The server has the phone's read before the laptop is back.
    let readAcked = false;
    const stop = env.server.intercept(async (call, next) => {
      const answer = await next();
      if (call.op === 'messageRead' && call.userId === b.id) readAcked = true;
      return answer;
    });
    await phone.engine.markRead(id);
    await waitFor(() => readAcked);
    stop();

    laptop.engine.setNetworkEnabled(true);
    await waitFor(async () => (await laptop.engine.queries.messages(id, 1000)).length === 4, { describe: async () => (await laptop.engine.queries.messages(id, 1000)).length });
    await waitFor(async () => (await unread(laptop, id)) === 0, { describe: () => unread(laptop, id) });
    const rows = await laptop.engine.queries.messages(id, 1000);
    expect(rows.filter((m) => m.type !== 'system').map((m) => [m.body, m.status])).toEqual([
      ['before', 'read'],
      ['while away 1', 'read'],
      ['while away 2', 'read'],
    ]);
  });

  // Finding G1 (docs/reliability.md): another account's sign-in clears the device; when its own
  // account comes back, the catch-up brings the group's messages with their aggregate status
  // (`sent`: a member has not received them). They must come back as this account had them,
  // read and delivered, never lower, even when the first conversation list is lost on the way.
  it('after another account cleared the device: its messages come back read and delivered, never lower, even if the first list fails', async () => {
    const { alice, phone, a, b, id } = await setup();
    const bobName = (await phone.engine.queries.me())!.username;
    const carol = (await alice.engine.queries.conversation(id))!.conversation.members.find((m) => m.userId !== a.id && m.userId !== b.id)!.userId;
    // Carol never receives anything: the aggregate of alice's messages stays `sent`.
    env.server.intercept(async (call, next) => {
      if (call.op === 'messageReceived' && call.userId === carol) throw networkError('carol is away');
      return next();
    });
    for (const body of ['one', 'two']) await alice.engine.sendToConversation(id, body);
    await waitFor(async () => (await unread(phone, id)) === 2, { describe: () => unread(phone, id) });
    await phone.engine.markRead(id);
    await alice.engine.sendToConversation(id, 'three');
    const expected = [['one', 'read'], ['two', 'read'], ['three', 'delivered']];
    const shown = async () => (await from(phone, id, a.id)).map((m) => [m.body, m.status]);
    await waitFor(async () => JSON.stringify(await shown()) === JSON.stringify(expected), { describe: shown });
    // The server holds the phone's receipts: read up to 'two', delivered up to 'three' (seq 1 is the creation).
    const positions = () => env.server.groups.summary(id, b.id);
    await waitFor(() => positions().readSeq === 3 && positions().deliveredSeq === 4, { describe: positions });
    expect((await from(alice, id, a.id)).map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);

    await phone.engine.signOut();
    await phone.engine.signUp(env.uniqueName('dave'), PASSWORD);
    await phone.engine.signOut();
    // Bob again: the first conversation list is lost; every status the phone shows is recorded.
    let lists = 0;
    env.server.intercept(async (call, next) => {
      if (call.op === 'conversations' && call.userId === b.id && ++lists === 1) throw networkError('cut');
      return next();
    });
    const seen: string[] = [];
    phone.engine.on('message', () => void shown().then((rows) => seen.push(...rows.map(([body, status]) => `${body}:${status}`))));
    await phone.engine.signIn(bobName, PASSWORD);
    await waitFor(async () => JSON.stringify(await shown()) === JSON.stringify(expected), { describe: shown });
    expect(lists).toBeGreaterThanOrEqual(2);
    expect(seen.filter((s) => !['one:read', 'two:read', 'three:delivered'].includes(s))).toEqual([]);
    expect(await unread(phone, id)).toBe(1); // 'three' was delivered, never read
  });
});
