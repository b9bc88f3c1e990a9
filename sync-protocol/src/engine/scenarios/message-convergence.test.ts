/**
 * Message actions across devices (docs/sync-protocol.md, "Message actions"): the server's last
 * write wins and every device converges to it (by `version`, never by arrival order); a delete for
 * everyone reaches every device; an edit refused after the window reverts with a notice; delete for
 * me hides on the user's other devices and nowhere else.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../limits.ts';
import type { Message } from '../../model/message.ts';
import { waitFor } from '../../testing/index.ts';
import type { LocalMessage, SyncEngine } from '../api.ts';
import { applyServerCopies } from '../down/store-server-changes.ts';
import { LocalDb, META } from '../local/local-db.ts';
import { memoryFixture, PASSWORD, type Device } from './fixture.ts';

const offline = async (engine: SyncEngine) => {
  engine.setNetworkEnabled(false);
  await waitFor(() => engine.getState().connection === 'offline');
};

describe('message actions across devices', () => {
  const env = memoryFixture();

  /** Alice's message to Bob, acked and on both devices, plus a second device of Alice's. */
  async function setup(body = 'first draft') {
    const pair = await env.pair();
    const { alice, bob, b, conversationId } = pair;
    const sent = await alice.engine.send(b.id, body);
    await waitFor(async () => (await alice.engine.queries.message(sent.key))?.seq === 1);
    await waitFor(() => bob.engine.queries.message(sent.key));
    const alice2: Device = env.device();
    await alice2.engine.signIn(pair.a.username, PASSWORD);
    await waitFor(() => alice2.engine.queries.message(sent.key));
    const all = [alice.engine, alice2.engine, bob.engine];
    const everywhere = (check: (m: LocalMessage) => boolean) =>
      waitFor(async () => (await Promise.all(all.map((e) => e.queries.message(sent.key)))).every((m) => m !== undefined && check(m)), {
        describe: async () => Promise.all(all.map((e) => e.queries.message(sent.key))),
      });
    return { ...pair, alice2, sent, conversationId, everywhere };
  }

  it("two devices of one user edit offline: the server's last write wins and every device converges to it", async () => {
    const { alice, alice2, sent, conversationId, everywhere } = await setup();
    await offline(alice.engine);
    await offline(alice2.engine);
    await alice.engine.editMessage(sent.key, 'edit from the phone');
    await alice2.engine.editMessage(sent.key, 'edit from the laptop');
    expect(await alice.engine.queries.message(sent.key)).toMatchObject({ body: 'edit from the phone', pendingActions: 1 });

    alice.engine.setNetworkEnabled(true);
    await waitFor(() => env.server.history(conversationId)[0]?.version === 1);
    alice2.engine.setNetworkEnabled(true);
    await waitFor(() => env.server.history(conversationId)[0]?.version === 2);
    expect(env.server.history(conversationId)[0]?.body).toBe('edit from the laptop');
    await everywhere((m) => m.body === 'edit from the laptop' && m.version === 2 && m.pendingActions === undefined);
  });

  it('a delete for everyone converges on the sender\'s devices and the recipient', async () => {
    const { alice, sent, everywhere } = await setup();
    await offline(alice.engine);
    await alice.engine.react(sent.key, '👍');
    await alice.engine.deleteMessage(sent.key, 'everyone');
    expect(await alice.engine.queries.message(sent.key)).toMatchObject({ body: '', pendingActions: 2 });
    alice.engine.setNetworkEnabled(true);
    await everywhere((m) => m.body === '' && Boolean(m.deletedAt) && (m.reactions ?? []).length === 0 && m.version === 2);
  });

  it('an edit made offline after the window closed comes back CONFLICT: the row shows the server state and actionError', async () => {
    const { alice, bob, sent, conversationId } = await setup('as sent');
    await offline(alice.engine);
    // This device's clock still says the window is open; the server's says otherwise.
    await alice.engine.editMessage(sent.key, 'too late');
    expect(await alice.engine.queries.message(sent.key)).toMatchObject({ body: 'too late', pendingActions: 1 });
    env.server.advanceClock(LIMITS.editWindowMs + 60_000);
    alice.engine.setNetworkEnabled(true);
    const reverted = (await waitFor(async () => {
      const m = await alice.engine.queries.message(sent.key);
      return m?.actionError ? m : null;
    }))!;
    expect(reverted).toMatchObject({ body: 'as sent', actionError: { kind: 'edit', code: 'CONFLICT' } });
    expect(reverted.pendingActions).toBeUndefined();
    expect(reverted.editedAt ?? null).toBeNull();
    expect(env.server.history(conversationId)[0]).toMatchObject({ body: 'as sent', version: 0 });
    expect(await bob.engine.queries.message(sent.key)).toMatchObject({ body: 'as sent' });
    await alice.engine.dismissActionError(sent.key);
    expect((await alice.engine.queries.message(sent.key))?.actionError).toBeUndefined();
  });

  it("delete for me hides the message on the user's other device (live and after being offline), not the peer's", async () => {
    const { alice, alice2, bob, a, sent, conversationId } = await setup('hide me');
    const later = await bob.engine.send(a.id, 'and a reply');
    await waitFor(async () => (await alice.engine.queries.messages(conversationId)).length === 2);
    await offline(alice2.engine);
    await alice.engine.deleteMessage(sent.key, 'me');
    // At once here: out of the chat, and the list's last message skips it.
    expect((await alice.engine.queries.messages(conversationId)).map((m) => m.body)).toEqual(['and a reply']);
    expect((await alice.engine.queries.message(sent.key))?.hiddenAt).toBeTruthy();
    await waitFor(() => env.server.messages.copyFor(sent.senderId, env.server.history(conversationId)[0]!).hiddenAt);

    // The other device was offline: the catch-up brings the hide.
    alice2.engine.setNetworkEnabled(true);
    await waitFor(async () => (await alice2.engine.queries.message(sent.key))?.hiddenAt);
    expect((await alice2.engine.queries.messages(conversationId)).map((m) => m.body)).toEqual(['and a reply']);
    // Hiding the reply on the second device reaches the first one live.
    await alice2.engine.deleteMessage(later.key, 'me');
    await waitFor(async () => (await alice.engine.queries.messages(conversationId)).length === 0);
    const [conversation] = await alice.engine.queries.conversations();
    expect(conversation?.conversation.lastMessage).toBeNull();
    // The peer still has both.
    expect((await bob.engine.queries.messages(conversationId)).map((m) => m.body)).toEqual(['hide me', 'and a reply']);
    expect((await bob.engine.queries.message(sent.key))?.hiddenAt).toBeUndefined();
  });
});

describe('out-of-order copies (fake-indexeddb, no server)', () => {
  it('a copy with a lower version is ignored whatever order copies arrive in; the status still moves forward', async () => {
    const db = new LocalDb('out-of-order', { indexedDB: new IDBFactory(), IDBKeyRange });
    await db.setMeta(META.userId, 'u-me');
    await db.setMeta(META.owner, 'u-me');
    const base: Message = { id: 'm1', clientId: 'client-1-xxxx', conversationId: 'dm:u-me:u-peer', senderId: 'u-peer', recipientId: 'u-me', body: 'v0', seq: 1, createdAt: '2025-01-01T00:00:00.000Z', status: 'sent', version: 0 };
    const v2: Message = { ...base, body: 'v2', version: 2, editedAt: '2025-01-01T00:02:00.000Z' };
    const v1: Message = { ...base, body: 'v1', version: 1, editedAt: '2025-01-01T00:01:00.000Z', status: 'read' };
    await applyServerCopies(db, [v2], 'u-me');
    const late = await applyServerCopies(db, [v1, base], 'u-me');
    expect(await db.messages.get('u-peer:client-1-xxxx')).toMatchObject({ body: 'v2', version: 2, editedAt: v2.editedAt, status: 'read' });
    // Only the status moved: one change, none for the stale v0.
    expect(late.changed).toHaveLength(1);
    db.close();
  });
});
