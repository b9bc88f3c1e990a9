import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
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
});
