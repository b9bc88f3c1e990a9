/**
 * Message actions in 1:1 conversations (contract v2, "Message actions") over real HTTP and
 * Socket.io: every rule and error code on both transports, idempotency, who hears
 * `message-updated`, blocks, delete for me, and what /api/sync and history say afterwards.
 * Groups: actions-groups.test.ts; rate limit and the time windows: actions-limits.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { accepted, act, edit, hide, react, refusal, refused, remove, TRANSPORTS, updatesOf, type Actor } from './action-helpers.ts';
import {
  fullHistory,
  http,
  newClientId,
  noteMongoSkip,
  register,
  roundTrip,
  sendOverRest,
  STORE_VARIANTS,
  syncAll,
  useTestServer,
  waitFor,
  type Message,
  type TestUser,
} from './helpers.ts';

describe.each(STORE_VARIANTS)('message actions (1:1) on $kind', (variant) => {
  const t = useTestServer(variant);

  /** Alice with two sockets (a1 acts), Bob with one, and one message of Alice's to Bob. */
  async function chat(): Promise<{ alice: TestUser; bob: TestUser; a: Actor; b: Actor; a2: Actor; sent: Message }> {
    const [alice, bob] = [await register(t.url, 'alice'), await register(t.url, 'bob')];
    const a = { token: alice.token, socket: await t.open(alice.token) };
    const a2 = { token: alice.token, socket: await t.open(alice.token) };
    const b = { token: bob.token, socket: await t.open(bob.token) };
    const sent = (await sendOverRest(t.url, alice.token, bob.id, 'original text')).body.message;
    return { alice, bob, a, b, a2, sent };
  }

  it('every message the server hands out carries the v2 fields: acks, new-message, history, sync, the conversation list, group changes', async () => {
    const { alice, bob, a, b } = await chat();
    const arrived: Message[] = [];
    b.socket.on('new-message', ({ message }) => arrived.push(message));
    const ack = await a.socket.timeout(10_000).emitWithAck('send-message', { clientId: newClientId(), to: bob.id, body: 'v2' });
    if (!ack.ok) throw new Error(ack.code);
    const group = await http(t.url, '/api/conversations', { token: alice.token, json: { clientId: newClientId(), title: 'G', memberIds: [bob.id] } });
    await waitFor('bob gets the message and the group', () => arrived.length === 2);
    const list = (await http(t.url, '/api/messages/conversations', { token: bob.token })).body.conversations as { lastMessage: Message }[];
    const everyCopy: Message[] = [
      ack.message,
      ...arrived,
      ...(await fullHistory(t.url, bob.token, alice.id)),
      ...(await syncAll(t.url, bob.token)).messages,
      ...list.map((c) => c.lastMessage),
      group.body.conversation.lastMessage,
    ];
    expect(everyCopy.length).toBeGreaterThanOrEqual(8);
    for (const m of everyCopy) {
      expect(m, JSON.stringify(m)).toMatchObject({ type: expect.stringMatching(/^(text|system)$/), reactions: expect.any(Array), attachments: expect.any(Array), version: expect.any(Number) });
      for (const key of ['replyTo', 'editedAt', 'deletedAt'] as const) expect(m).toHaveProperty(key);
    }
  });

  for (const via of TRANSPORTS) {
    it(`${via}: react, edit, delete answer the new state; the peer and the actor's other sockets hear message-updated, the acting socket does not; /api/sync has the latest state`, async () => {
      const { alice, bob, a, b, a2, sent } = await chat();
      const { cursor } = await syncAll(t.url, bob.token);
      const heard = { a1: updatesOf(a.socket), a2: updatesOf(a2.socket), b: updatesOf(b.socket) };

      const reacted = accepted(await react(via, t.url, b, sent.id, '👍'));
      expect(reacted).toMatchObject({ id: sent.id, seq: sent.seq, reactions: [{ userId: bob.id, emoji: '👍' }], version: 1, editedAt: null, deletedAt: null });
      const edited = accepted(await edit(via, t.url, a, sent.id, '  corrected  '));
      expect(edited).toMatchObject({ body: 'corrected', version: 2, reactions: [{ userId: bob.id, emoji: '👍' }] });
      expect(edited.editedAt).toEqual(expect.any(String));
      const deleted = accepted(await remove(via, t.url, a, sent.id));
      expect(deleted).toMatchObject({ id: sent.id, seq: sent.seq, body: '', reactions: [], attachments: [], replyTo: null, version: 3 });
      expect(deleted.deletedAt).toEqual(expect.any(String));

      // Every copy carries the version, so a device applies them whatever order they arrive in.
      await waitFor('alice’s other socket hears all three', () => heard.a2().length === 3);
      expect(heard.a2()).toEqual([reacted, edited, deleted]);
      const viaRest = via === 'rest';
      // Bob reacted: his acting socket (socket transport) hears nothing of his reaction, then Alice's two changes.
      await waitFor('bob hears the changes', () => heard.b().length === (viaRest ? 3 : 2));
      expect(heard.b().map((m) => m.version)).toEqual(viaRest ? [1, 2, 3] : [2, 3]);
      // REST has no "this socket": every socket of the actor hears it. On the socket the acting one never does.
      await roundTrip(a.socket);
      expect(heard.a1().map((m) => m.version)).toEqual(viaRest ? [1, 2, 3] : [1]);

      // The change feed hands the message again in its latest state, to both.
      for (const user of [bob, alice]) {
        const again = (await syncAll(t.url, user.token, user === bob ? cursor : '')).messages.filter((m) => m.id === sent.id);
        expect(again.at(-1)).toEqual(deleted);
      }
      expect((await fullHistory(t.url, bob.token, alice.id)).map((m) => [m.id, m.body, m.deletedAt])).toEqual([[sent.id, '', deleted.deletedAt]]);
    });

    it(`${via}: rules and errors — sender only (FORBIDDEN), unknown or not yours (NOT_FOUND), deleted (CONFLICT), bad payloads (VALIDATION); the server keeps serving`, async () => {
      const { alice, bob, a, b, sent } = await chat();
      const carol = await register(t.url, 'carol');
      const c = { token: carol.token, socket: await t.open(carol.token) };

      expect(refusal(await edit(via, t.url, b, sent.id, 'not mine'))).toEqual(refused(via, 'FORBIDDEN', 403));
      expect(refusal(await remove(via, t.url, b, sent.id))).toEqual(refused(via, 'FORBIDDEN', 403));
      expect(refusal(await react(via, t.url, b, 'no-such-message', '👍'))).toEqual(refused(via, 'NOT_FOUND', 404));
      // A stranger is told nothing exists, whatever the action (delete for me included).
      for (const answer of [await react(via, t.url, c, sent.id, '👍'), await edit(via, t.url, c, sent.id, 'x'), await hide(via, t.url, c, sent.id)]) {
        expect(refusal(answer)).toEqual(refused(via, 'NOT_FOUND', 404));
      }

      const bad: Record<string, unknown>[] = [
        { messageId: sent.id, emoji: '👍' }, // no clientId
        { clientId: 'short', messageId: sent.id, emoji: '👍' },
        { clientId: newClientId(), messageId: sent.id, emoji: 'ok' }, // text, not an emoji
        { clientId: newClientId(), messageId: sent.id, emoji: '1' },
        { clientId: newClientId(), messageId: sent.id, emoji: '👍'.repeat(17) }, // over 16 characters
        { clientId: newClientId(), messageId: sent.id, emoji: '😀'.repeat(5000) }, // huge
        { clientId: newClientId(), messageId: sent.id, emoji: 42 },
        { clientId: newClientId(), messageId: sent.id },
      ];
      for (const payload of bad) expect(refusal(await act(via, t.url, b, 'react', payload)), JSON.stringify(payload).slice(0, 80)).toEqual(refused(via, 'VALIDATION', 400));
      for (const body of ['   ', 'x'.repeat(4097), undefined]) {
        expect(refusal(await act(via, t.url, a, 'edit', { clientId: newClientId(), messageId: sent.id, body }))).toEqual(refused(via, 'VALIDATION', 400));
      }
      expect(refusal(await act(via, t.url, a, 'delete', { messageId: sent.id }))).toEqual(refused(via, 'VALIDATION', 400));
      expect(refusal(await act(via, t.url, a, 'hide', { clientId: newClientId(), messageId: 'x'.repeat(65) }))).toEqual(refused(via, 'VALIDATION', 400));

      // A reaction of up to 16 characters (a family: 7 code points) is fine; '' removes it.
      expect(accepted(await react(via, t.url, b, sent.id, '👨‍👩‍👧‍👦')).reactions).toEqual([{ userId: bob.id, emoji: '👨‍👩‍👧‍👦' }]);
      expect(accepted(await react(via, t.url, b, sent.id, '')).reactions).toEqual([]);

      const deleted = accepted(await remove(via, t.url, a, sent.id));
      expect(refusal(await edit(via, t.url, a, sent.id, 'too late'))).toEqual(refused(via, 'CONFLICT', 409));
      expect(refusal(await react(via, t.url, b, sent.id, '👍'))).toEqual(refused(via, 'CONFLICT', 409));
      // Deleting a deleted message is no error: nothing left to do.
      expect(accepted(await remove(via, t.url, a, sent.id))).toEqual(deleted);

      // Still serving, on both transports.
      expect((await http(t.url, '/api/health')).status).toBe(200);
      expect((await sendOverRest(t.url, alice.token, bob.id, 'still here')).status).toBe(201);
      await roundTrip(b.socket);
    });

    it(`${via}: idempotent by clientId — a retried action is applied once, answers the same, and is announced once`, async () => {
      const { bob, a, b, a2, sent } = await chat();
      const heard = updatesOf(a2.socket);
      const clientId = newClientId();
      const first = accepted(await react(via, t.url, b, sent.id, '🎉', clientId));
      expect(accepted(await react(via, t.url, b, sent.id, '🎉', clientId))).toEqual(first);
      // Ten concurrent retries of one edit, over both transports: one version more, one announcement.
      const editId = newClientId();
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => edit(i % 2 ? 'rest' : via, t.url, a, sent.id, 'once', editId)));
      const edited = answers.map(accepted);
      expect(new Set(edited.map((m) => JSON.stringify(m))).size).toBe(1);
      expect(edited[0]).toMatchObject({ body: 'once', version: 2, reactions: [{ userId: bob.id, emoji: '🎉' }] });
      // A retry whose payload differs still answers the stored outcome (the clientId names the action).
      expect(accepted(await edit(via, t.url, a, sent.id, 'another text', editId))).toEqual(edited[0]);
      await waitFor('alice’s other socket hears both changes', () => heard().length >= 2);
      await roundTrip(a2.socket);
      expect(heard().map((m) => m.version)).toEqual([1, 2]);
      // The same emoji again under a new clientId changes nothing: the current state, no version, no event.
      expect(accepted(await react(via, t.url, b, sent.id, '🎉'))).toEqual(edited[0]);
      await roundTrip(a2.socket);
      expect(heard()).toHaveLength(2);
    });

    it(`${via}: a block either way refuses react and edit (FORBIDDEN) but not delete or delete for me`, async () => {
      const { alice, bob, a, b, sent } = await chat();
      const mine = (await sendOverRest(t.url, bob.token, alice.id, 'bob’s')).body.message;
      expect((await http(t.url, `/api/users/${bob.id}/block`, { method: 'POST', token: alice.token })).status).toBe(204);
      expect(refusal(await react(via, t.url, a, sent.id, '👍'))).toEqual(refused(via, 'FORBIDDEN', 403));
      expect(refusal(await edit(via, t.url, a, sent.id, 'edit'))).toEqual(refused(via, 'FORBIDDEN', 403));
      expect(refusal(await react(via, t.url, b, sent.id, '👍'))).toEqual(refused(via, 'FORBIDDEN', 403));
      expect(accepted(await remove(via, t.url, b, mine.id)).deletedAt).toEqual(expect.any(String));
      expect(accepted(await hide(via, t.url, a, mine.id)).hiddenAt).toEqual(expect.any(String));
      expect(accepted(await remove(via, t.url, a, sent.id)).deletedAt).toEqual(expect.any(String));
      // Unblocked: reactions work again (on a message not deleted).
      expect((await http(t.url, `/api/users/${bob.id}/block`, { method: 'DELETE', token: alice.token })).status).toBe(204);
      const later = (await sendOverRest(t.url, alice.token, bob.id, 'friends again')).body.message;
      expect(accepted(await react(via, t.url, b, later.id, '🤝')).reactions).toEqual([{ userId: bob.id, emoji: '🤝' }]);
    });

    it(`${via}: delete for me — hiddenAt for the actor only: their other sockets and their own /api/sync; the peer hears and syncs nothing`, async () => {
      const { alice, bob, a, b, sent } = await chat();
      const b2 = { token: bob.token, socket: await t.open(bob.token) };
      const cursors = { alice: (await syncAll(t.url, alice.token)).cursor, bob: (await syncAll(t.url, bob.token)).cursor };
      const heard = { a: updatesOf(a.socket), b1: updatesOf(b.socket), b2: updatesOf(b2.socket) };
      const clientId = newClientId();
      const hidden = accepted(await hide(via, t.url, b, sent.id, clientId));
      expect(hidden).toMatchObject({ id: sent.id, body: 'original text', version: 0 });
      expect(hidden.hiddenAt).toEqual(expect.any(String));
      expect(accepted(await hide(via, t.url, b, sent.id, clientId))).toEqual(hidden);

      await waitFor('bob’s other socket hears the hide', () => heard.b2().length === 1);
      expect(heard.b2()).toEqual([hidden]);
      await Promise.all([roundTrip(a.socket), roundTrip(b.socket)]);
      expect(heard.a()).toEqual([]);
      expect(heard.b1()).toEqual(via === 'rest' ? [hidden] : []);
      expect((await syncAll(t.url, bob.token, cursors.bob)).messages).toEqual([hidden]);
      expect((await syncAll(t.url, alice.token, cursors.alice)).messages).toEqual([]);

      // Alice's later edit reaches Bob without Bob's hiddenAt leaking to Alice, and Bob's feed keeps it hidden.
      const edited = accepted(await edit('socket', t.url, a, sent.id, 'edited'));
      expect(edited.hiddenAt ?? null).toBeNull();
      await waitFor('bob hears the edit', () => heard.b2().length === 2);
      expect(heard.b2()[1]).toMatchObject({ body: 'edited', version: 1 });
      expect(heard.b2()[1]!.hiddenAt ?? null).toBeNull();
    });
  }
});

noteMongoSkip('message actions (1:1)');
