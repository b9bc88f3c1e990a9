/**
 * Message actions in groups (contract v2) over real HTTP and Socket.io: `message-updated` reaches
 * every current member's sockets but the acting one, never a former member or a stranger; the
 * member and sender rules, system messages, a former member's delete for me, replies across
 * conversations, and the latest state in each member's /api/sync.
 */
import { describe, expect, it } from 'vitest';
import { accepted, edit, hide, react, refusal, refused, remove, TRANSPORTS, updatesOf, type Actor } from './action-helpers.ts';
import { addMembers, createGroup, groupHistory, removeMember, sendToGroup, sendToGroupOverSocket } from './group-helpers.ts';
import { newClientId, noteMongoSkip, register, roundTrip, sendOverRest, STORE_VARIANTS, syncAll, useTestServer, waitFor, type TestUser } from './helpers.ts';

describe.each(STORE_VARIANTS)('message actions in groups on $kind', (variant) => {
  const t = useTestServer(variant);

  /**
   * Alice (admin, two sockets), Bob and Carol in a group with one message of Alice's; Dave was
   * a member when it was sent and was removed after; Eve never was one. Everyone has a socket.
   */
  async function group() {
    const [alice, bob, carol, dave, eve] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'eve'].map((p) => register(t.url, p)));
    const id = (await createGroup(t.url, alice!.token, [bob!.id, carol!.id, dave!.id])).body.conversation.id;
    const sent = (await sendToGroup(t.url, alice!.token, id, 'hello group')).body.message;
    expect((await removeMember(t.url, alice!.token, id, dave!.id)).status).toBe(200);
    const actor = async (u: TestUser): Promise<Actor> => ({ token: u.token, socket: await t.open(u.token) });
    const [a, a2, b, c, d, e] = [await actor(alice!), await actor(alice!), await actor(bob!), await actor(carol!), await actor(dave!), await actor(eve!)];
    return { id, sent, users: { alice: alice!, bob: bob!, carol: carol!, dave: dave!, eve: eve! }, a, a2, b, c, d, e };
  }

  for (const via of TRANSPORTS) {
    it(`${via}: a reaction and an edit reach every current member's sockets but the acting one; not the former member, not a stranger`, async () => {
      const { id, sent, users, a, a2, b, c, d, e } = await group();
      const cursor = (await syncAll(t.url, users.carol.token)).cursor;
      const heard = { a: updatesOf(a.socket), a2: updatesOf(a2.socket), b: updatesOf(b.socket), c: updatesOf(c.socket), d: updatesOf(d.socket), e: updatesOf(e.socket) };

      const reacted = accepted(await react(via, t.url, b, sent.id, '🔥'));
      expect(reacted).toMatchObject({ conversationId: id, reactions: [{ userId: users.bob.id, emoji: '🔥' }], version: 1 });
      const both = accepted(await react(via, t.url, c, sent.id, '🔥'));
      expect(both.reactions).toEqual([{ userId: users.bob.id, emoji: '🔥' }, { userId: users.carol.id, emoji: '🔥' }]);
      const edited = accepted(await edit(via, t.url, a, sent.id, 'hello everyone'));
      expect(edited).toMatchObject({ body: 'hello everyone', version: 3 });

      await waitFor('alice’s other socket hears all three', () => heard.a2().length === 3);
      expect(heard.a2()).toEqual([reacted, both, edited]);
      await Promise.all([a, b, c, d, e].map((x) => roundTrip(x.socket)));
      const all = [1, 2, 3];
      expect(heard.b().map((m) => m.version)).toEqual(via === 'rest' ? all : [2, 3]);
      expect(heard.c().map((m) => m.version)).toEqual(via === 'rest' ? all : [1, 3]);
      expect(heard.a().map((m) => m.version)).toEqual(via === 'rest' ? all : [1, 2]);
      expect(heard.d()).toEqual([]);
      expect(heard.e()).toEqual([]);
      expect((await syncAll(t.url, users.carol.token, cursor)).messages.filter((m) => m.id === sent.id).at(-1)).toEqual(edited);
    });

    it(`${via}: rules in a group — sender only, members only, former members and strangers, system messages`, async () => {
      const { id, sent, users, a, b, d, e } = await group();
      const later = (await sendToGroup(t.url, users.alice.token, id, 'after dave left')).body.message;
      const system = (await groupHistory(t.url, users.alice.token, id)).find((m) => m.type === 'system')!;

      expect(refusal(await edit(via, t.url, b, sent.id, 'not mine'))).toEqual(refused(via, 'FORBIDDEN', 403));
      expect(refusal(await remove(via, t.url, b, sent.id))).toEqual(refused(via, 'FORBIDDEN', 403));
      // Dave saw the message while a member: he may still hide it for himself, not react to it.
      expect(refusal(await react(via, t.url, d, sent.id, '👍'))).toEqual(refused(via, 'FORBIDDEN', 403));
      const hidden = accepted(await hide(via, t.url, d, sent.id));
      expect(hidden.hiddenAt).toEqual(expect.any(String));
      expect((await syncAll(t.url, users.dave.token)).messages.filter((m) => m.id === sent.id).at(-1)).toEqual(hidden);
      // What was said after his removal does not exist for him, nor anything for Eve.
      expect(refusal(await react(via, t.url, d, later.id, '👍'))).toEqual(refused(via, 'NOT_FOUND', 404));
      expect(refusal(await hide(via, t.url, d, later.id))).toEqual(refused(via, 'NOT_FOUND', 404));
      expect(refusal(await react(via, t.url, e, sent.id, '👍'))).toEqual(refused(via, 'NOT_FOUND', 404));
      // A group change takes no reaction, edit or delete.
      for (const answer of [await react(via, t.url, a, system.id, '👍'), await edit(via, t.url, a, system.id, 'x'), await remove(via, t.url, a, system.id)]) {
        expect(refusal(answer)).toEqual(refused(via, 'VALIDATION', 400));
      }
      // Nobody else's view holds Dave's hide.
      expect((await syncAll(t.url, users.bob.token)).messages.filter((m) => m.id === sent.id).every((m) => !m.hiddenAt)).toBe(true);
    });

    it(`${via}: delete for everyone in a group: every member's sockets hear the tombstone and the emptied quote of a reply; replies stay in their conversation`, async () => {
      const { id, sent, users, a, a2, b, c, d } = await group();
      const reply = await sendToGroupOverSocket(b.socket, id, 'replying', newClientId());
      expect(reply.ok).toBe(true);
      const withQuote = (await b.socket.timeout(10_000).emitWithAck('send-message', { clientId: newClientId(), conversationId: id, body: 'quoting', replyTo: sent.id }));
      if (!withQuote.ok) throw new Error(withQuote.code);
      expect(withQuote.message.replyTo).toEqual({ id: sent.id, senderId: users.alice.id, preview: 'hello group' });
      // A 1:1 message cannot be quoted in the group, nor a group message in a 1:1 conversation.
      const direct = (await sendOverRest(t.url, users.bob.token, users.alice.id, 'just us')).body.message;
      const crossed = await b.socket.timeout(10_000).emitWithAck('send-message', { clientId: newClientId(), conversationId: id, body: 'x', replyTo: direct.id });
      expect(crossed).toMatchObject({ ok: false, code: 'VALIDATION' });
      const back = await b.socket.timeout(10_000).emitWithAck('send-message', { clientId: newClientId(), to: users.alice.id, body: 'x', replyTo: sent.id });
      expect(back).toMatchObject({ ok: false, code: 'VALIDATION' });

      const heard = { a: updatesOf(a.socket), a2: updatesOf(a2.socket), c: updatesOf(c.socket), d: updatesOf(d.socket) };
      const deleted = accepted(await remove(via, t.url, a, sent.id));
      const emptied = { ...withQuote.message, replyTo: { id: sent.id, senderId: users.alice.id, preview: '' }, version: 1 };
      await waitFor('carol hears both', () => heard.c().length === 2);
      expect(heard.c()).toEqual([deleted, emptied]);
      await waitFor('alice’s other socket hears both', () => heard.a2().length === 2);
      await Promise.all([roundTrip(a.socket), roundTrip(d.socket)]);
      expect(heard.a()).toEqual(via === 'rest' ? [deleted, emptied] : [emptied]);
      expect(heard.d()).toEqual([]);
      const history = await groupHistory(t.url, users.carol.token, id);
      expect(history.find((m) => m.id === withQuote.message.id)).toEqual(emptied);
      expect(history.find((m) => m.id === sent.id)).toEqual(deleted);
    });
  }

  it('a change reaches only the members whose periods hold the message: not one added after it; one re-added whose earlier period holds it, yes', async () => {
    const { id, sent, users, a, b, d } = await group();
    const frank = await register(t.url, 'frank');
    expect((await addMembers(t.url, users.alice.token, id, [frank.id, users.dave.id])).status).toBe(200);
    const f = { token: frank.token, socket: await t.open(frank.token) };
    const later = (await sendToGroup(t.url, users.alice.token, id, 'frank is here')).body.message;
    const heard = { d: updatesOf(d.socket), f: updatesOf(f.socket) };

    const old = accepted(await react('socket', t.url, b, sent.id, '👀'));
    const recent = accepted(await react('socket', t.url, b, later.id, '👀'));
    // Dave held `sent` in his first period (he was removed after it), and is a member again.
    await waitFor('dave hears both changes', () => heard.d().length === 2);
    // In either order: the two are about different messages (and Dave's periods are read for the old one only).
    expect(heard.d()).toHaveLength(2);
    expect(heard.d()).toEqual(expect.arrayContaining([old, recent]));
    await waitFor('frank hears the change of the message sent after he joined', () => heard.f().length === 1);
    await Promise.all([roundTrip(f.socket), roundTrip(a.socket)]);
    // Frank never received `sent`: he must not learn of its reactions (or a new body) now.
    expect(heard.f()).toEqual([recent]);
  });
});

noteMongoSkip('message actions in groups');
