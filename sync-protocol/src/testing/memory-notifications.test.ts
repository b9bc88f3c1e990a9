import { describe, expect, it } from 'vitest';
import { directConversationId } from '../conversation-id.ts';
import type { ConversationMute } from '../model/notifications.ts';
import type { Transport, TransportEvents } from '../engine/transport/transport.ts';
import { createMemoryServer, type MemoryServer } from './memory-server.ts';

const quiet: TransportEvents = { connect() {}, disconnect() {}, connectError() {}, newMessage() {}, status() {}, typing() {}, presence() {} };

function device(server: MemoryServer, token: string, events: Partial<TransportEvents> = {}): Promise<Transport> {
  const transport = server.transport()({ getToken: () => token, ackTimeoutMs: 1_000 });
  return new Promise((resolve) => transport.open({ ...quiet, ...events, connect: () => resolve(transport) }));
}
const bodies = (r: { messages: { body: string }[] }) => r.messages.map((m) => m.body);

describe('in-memory server: search, mutes, push subscriptions', () => {
  it('searches only what the caller sees: own 1:1 chats, group periods; never hidden, deleted or system messages', async () => {
    const server = createMemoryServer();
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((n) => server.addUser(n));
    const a = await device(server, alice!.token);
    const b = await device(server, bob!.token);
    const c = await device(server, carol!.token);
    await a.sendMessage({ clientId: 'client-0001', to: bob!.user.id, body: 'Crème brûlée tonight' }, 'rest');
    const hidden = await b.sendMessage({ clientId: 'client-0002', to: alice!.user.id, body: 'creme fraiche' }, 'rest');
    const deleted = await a.sendMessage({ clientId: 'client-0003', to: bob!.user.id, body: 'creme secret' }, 'rest');
    await a.messageAction({ kind: 'hide', clientId: 'client-0004', messageId: hidden.id }, 'rest');
    await a.messageAction({ kind: 'delete', clientId: 'client-0005', messageId: deleted.id }, 'rest');
    const { conversation: group } = await a.createGroup({ clientId: 'client-0006', title: 'Creme club', memberIds: [carol!.user.id] });
    await a.sendMessage({ clientId: 'client-0007', conversationId: group.id, body: 'creme for members' }, 'rest');
    await a.changeGroup(group.id, { kind: 'remove', userId: carol!.user.id }, 'client-0008');
    await a.sendMessage({ clientId: 'client-0009', conversationId: group.id, body: 'creme after carol left' }, 'rest');

    expect(bodies(await a.searchMessages({ q: 'CREME' }))).toEqual(['creme after carol left', 'creme for members', 'Crème brûlée tonight']);
    expect(bodies(await b.searchMessages({ q: 'crem' }))).toEqual(['creme fraiche', 'Crème brûlée tonight']); // hidden by alice only
    expect(bodies(await c.searchMessages({ q: 'creme' }))).toEqual(['creme for members']);
    expect(bodies(await a.searchMessages({ q: 'creme brul' }))).toEqual(['Crème brûlée tonight']);
    expect(bodies(await a.searchMessages({ q: 'reme' }))).toEqual([]);
    expect(bodies(await a.searchMessages({ q: 'creme', conversationId: group.id, limit: 1 }))).toEqual(['creme after carol left']);
    await expect(a.searchMessages({ q: '   ' })).rejects.toMatchObject({ code: 'VALIDATION' });
    for (const t of [a, b, c]) t.close();
    server.close();
  });

  it("records mutes per user with server time, tells the user's other connections, flags summaries; only participants", async () => {
    const server = createMemoryServer();
    const alice = server.addUser('alice');
    const bob = server.addUser('bob');
    const events: ConversationMute[] = [];
    const a1 = await device(server, alice.token);
    const a2 = await device(server, alice.token, { conversationMuted: (m) => events.push(m) });
    const b = await device(server, bob.token, { conversationMuted: (m) => events.push(m) });
    const id = directConversationId(alice.user.id, bob.user.id);
    await a1.sendMessage({ clientId: 'client-0001', to: bob.user.id, body: 'hi' }, 'rest');
    const { mute } = await a1.setMute(id, true);
    expect(mute).toMatchObject({ conversationId: id, muted: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual([mute]); // alice's other device, not bob
    expect((await a1.conversations()).conversations.find((c) => c.id === id)?.muted).toBe(true);
    expect((await b.conversations()).conversations.find((c) => c.id === id)?.muted).toBeUndefined();
    const off = (await a2.setMute(id, false)).mute;
    expect(off.changedAt > mute.changedAt).toBe(true);
    expect((await a1.mutes()).mutes).toEqual([off]);
    await expect(a1.setMute('dm:nobody:someone', true)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const carol = server.addUser('carol');
    const c = await device(server, carol.token);
    await expect(c.setMute(id, true)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    for (const t of [a1, a2, b, c]) t.close();
    server.close();
  });

  it('stores push subscriptions by endpoint (one user each), removes them, answers the config', async () => {
    const server = createMemoryServer();
    const alice = server.addUser('alice');
    const bob = server.addUser('bob');
    const a = await device(server, alice.token);
    const b = await device(server, bob.token);
    const keys = { p256dh: 'B' + 'A'.repeat(86), auth: 'A'.repeat(22) };
    expect((await a.pushConfig()).vapidPublicKey).toBeTruthy();
    await a.addPushSubscription({ endpoint: 'https://push.example/1', keys, preview: false });
    expect(server.notifications.subscriptionsOf(alice.user.id)).toMatchObject([{ endpoint: 'https://push.example/1', preview: false }]);
    await b.addPushSubscription({ endpoint: 'https://push.example/1', keys });
    expect(server.notifications.subscriptionsOf(alice.user.id)).toEqual([]);
    await a.removePushSubscription('https://push.example/1'); // not hers any more: nothing happens
    expect(server.notifications.subscriptionsOf(bob.user.id)).toHaveLength(1);
    await b.removePushSubscription('https://push.example/1');
    expect(server.notifications.subscriptionsOf(bob.user.id)).toEqual([]);
    await expect(a.addPushSubscription({ endpoint: 'http://push.example/2', keys })).rejects.toMatchObject({ code: 'VALIDATION' });
    for (const t of [a, b]) t.close();
    server.close();
  });
});
