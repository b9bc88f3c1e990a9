import { describe, expect, it } from 'vitest';
import { directConversationId } from '../conversation-id.ts';
import type { Message } from '../model/message.ts';
import type { Transport, TransportEvents } from '../engine/transport/transport.ts';
import { LIMITS } from '../limits.ts';
import { createMemoryServer, type MemoryServer } from './memory-server.ts';
import { waitFor } from './wait-for.ts';

const quiet: TransportEvents = { connect() {}, disconnect() {}, connectError() {}, newMessage() {}, status() {}, typing() {}, presence() {} };

function device(server: MemoryServer, token: string, events: Partial<TransportEvents> = {}): Promise<Transport> {
  const transport = server.transport()({ getToken: () => token, ackTimeoutMs: 1_000 });
  return new Promise((resolve) => transport.open({ ...quiet, ...events, connect: () => resolve(transport) }));
}

describe('in-memory server: message actions (the rules of model/action-rules.ts)', () => {
  it('applies each action once per clientId, raises version, announces message-updated and returns it in the feed', async () => {
    const server = createMemoryServer();
    const alice = server.addUser('alice');
    const bob = server.addUser('bob');
    const updates: Message[] = [];
    const a = await device(server, alice.token);
    const b = await device(server, bob.token, { messageUpdated: (m) => updates.push(m) });
    const m = await a.sendMessage({ clientId: 'client-0001', to: bob.user.id, body: 'hello' }, 'socket');
    expect(m).toMatchObject({ version: 0, reactions: [], replyTo: null, editedAt: null, deletedAt: null, attachments: [] });
    const { cursor } = await b.sync('', 10);

    const edited = await a.messageAction({ kind: 'edit', clientId: 'action-0001', messageId: m.id, body: 'hello!' }, 'socket');
    expect(edited).toMatchObject({ body: 'hello!', version: 1 });
    // The same clientId again (a lost ack) answers the current state, even after another change.
    await b.messageAction({ kind: 'react', clientId: 'action-0002', messageId: m.id, emoji: '👍' }, 'rest');
    expect(await a.messageAction({ kind: 'edit', clientId: 'action-0001', messageId: m.id, body: 'hello!' }, 'rest')).toMatchObject({ version: 2, reactions: [{ userId: bob.user.id, emoji: '👍' }] });
    // The edit, then bob's reaction: made over REST, so no socket of his is the acting one.
    await waitFor(() => updates.length === 2);
    expect(updates.map((u) => u.version)).toEqual([1, 2]);
    expect((await b.sync(cursor, 10)).messages).toMatchObject([{ id: m.id, version: 2 }]);

    await expect(b.messageAction({ kind: 'edit', clientId: 'action-0003', messageId: m.id, body: 'mine now' }, 'rest')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(b.messageAction({ kind: 'react', clientId: 'action-0004', messageId: 'm999', emoji: '👍' }, 'rest')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    server.advanceClock(LIMITS.editWindowMs + 1);
    await expect(a.messageAction({ kind: 'edit', clientId: 'action-0005', messageId: m.id, body: 'late' }, 'socket')).rejects.toMatchObject({ code: 'CONFLICT' });
    a.close();
    b.close();
    server.close();
  });

  it("replies quote their original; a delete for everyone empties the message and its replies' quotes", async () => {
    const server = createMemoryServer();
    const alice = server.addUser('alice');
    const bob = server.addUser('bob');
    const a = await device(server, alice.token);
    const b = await device(server, bob.token);
    const original = await a.sendMessage({ clientId: 'client-0001', to: bob.user.id, body: 'the original' }, 'socket');
    const reply = await b.sendMessage({ clientId: 'client-0002', to: alice.user.id, body: 'a reply', replyTo: original.id }, 'socket');
    expect(reply.replyTo).toEqual({ id: original.id, senderId: alice.user.id, preview: 'the original' });
    await expect(b.sendMessage({ clientId: 'client-0003', to: alice.user.id, body: 'x', replyTo: 'm999' }, 'rest')).rejects.toMatchObject({ code: 'VALIDATION' });

    await b.messageAction({ kind: 'react', clientId: 'action-0001', messageId: original.id, emoji: '😂' }, 'socket');
    const deleted = await a.messageAction({ kind: 'delete', clientId: 'action-0002', messageId: original.id }, 'socket');
    expect(deleted).toMatchObject({ body: '', reactions: [], version: 2 });
    await expect(b.messageAction({ kind: 'react', clientId: 'action-0003', messageId: original.id, emoji: '👍' }, 'socket')).rejects.toMatchObject({ code: 'CONFLICT' });
    const [, quoted] = server.history(directConversationId(alice.user.id, bob.user.id));
    expect(quoted).toMatchObject({ replyTo: { id: original.id, preview: '' }, version: 1 });
    a.close();
    b.close();
    server.close();
  });

  it("hides for one user only: their feed and other sockets get hiddenAt, the peer's do not", async () => {
    const server = createMemoryServer();
    const alice = server.addUser('alice');
    const bob = server.addUser('bob');
    const carol = server.addUser('carol');
    const seen = { alice: [] as Message[], bobLaptop: [] as Message[], bobPhone: [] as Message[] };
    const a = await device(server, alice.token, { messageUpdated: (m) => seen.alice.push(m) });
    const phone = await device(server, bob.token, { messageUpdated: (m) => seen.bobPhone.push(m) });
    const laptop = await device(server, bob.token, { messageUpdated: (m) => seen.bobLaptop.push(m) });
    const c = await device(server, carol.token);
    const m = await a.sendMessage({ clientId: 'client-0001', to: bob.user.id, body: 'hide me' }, 'socket');
    const aliceCursor = (await a.sync('', 10)).cursor;
    const bobCursor = (await phone.sync('', 10)).cursor;

    const hidden = await phone.messageAction({ kind: 'hide', clientId: 'action-0001', messageId: m.id }, 'socket');
    expect(hidden.hiddenAt).toBeTruthy();
    expect(hidden.version).toBe(0); // not a content change
    await waitFor(() => seen.bobLaptop.length === 1);
    expect(seen.bobLaptop[0]).toMatchObject({ id: m.id, hiddenAt: hidden.hiddenAt });
    expect((await phone.sync(bobCursor, 10)).messages).toMatchObject([{ id: m.id, hiddenAt: hidden.hiddenAt }]);
    expect((await a.sync(aliceCursor, 10)).messages).toEqual([]);
    expect((await a.history(m.conversationId, null, 10)).messages[0]?.hiddenAt).toBeUndefined();
    expect((await phone.history(m.conversationId, null, 10)).messages[0]?.hiddenAt).toBe(hidden.hiddenAt);
    await expect(c.messageAction({ kind: 'hide', clientId: 'action-0002', messageId: m.id }, 'rest')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect([seen.alice, seen.bobPhone]).toEqual([[], []]);
    for (const t of [a, phone, laptop, c]) t.close();
    server.close();
  });
});
