import { LIMITS, withMessageDefaults, type Message } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { storedMessage, type SendRequest } from '../../store.ts';
import { V2_DEFAULTS, type ActionFixture } from './action-fixture.ts';
import type { ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/**
 * Replies (SendRequest.replyTo, resolved in the commit) and the contract v2 fields every read
 * returns; a delete for everyone empties the quote of every reply to it.
 */
export function describeRepliesContract(fx: ContractFixture, g: GroupFixture, a$: ActionFixture): void {
  const { user, send, req } = fx;
  const { ok } = a$;
  const reply = (r: SendRequest, to: Message): SendRequest => ({ ...r, replyTo: to.id });
  const sendOne = async (r: SendRequest) => (await fx.store.sendMessages([r]))[0]!;

  describe('contract v2 fields on every read', () => {
    it('a new message has them all (null, [], 0) from the send, the history, the feed, getMessage and the list', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b, 'plain');
      expect(m).toMatchObject(V2_DEFAULTS);
      expect(m).toEqual(withMessageDefaults(m));
      expect(await fx.store.getHistory(m.conversationId, null, 10)).toEqual([m]);
      expect((await fx.store.changesSince(b.id, 0, 10)).messages).toEqual([m]);
      expect(await fx.store.getMessage(m.id)).toEqual(m);
      expect((await fx.store.listConversations(a.id))[0]!.lastMessage).toEqual(m);

      const { id, created } = await g.group(a, [b]);
      expect(created).toMatchObject({ ...V2_DEFAULTS, type: 'system' });
      const gm = await g.gsend(b, id, 'group plain');
      expect(gm).toMatchObject(V2_DEFAULTS);
      expect(await g.historyOf(id, a)).toEqual([created, gm]);
      expect((await fx.store.listConversations(a.id)).find((x) => x.id === id)!.lastMessage).toEqual(gm);
    });

    it('the list’s last message shows an edit and a delete', async () => {
      const [a, b] = [await user(), await user()];
      const m = await send(a, b, 'last words');
      const edited = await ok(a, m, { kind: 'edit', body: 'better last words' });
      expect((await fx.store.listConversations(b.id))[0]!.lastMessage).toEqual(edited.message);
      const deleted = await ok(a, m, { kind: 'delete' });
      expect((await fx.store.listConversations(b.id))[0]!.lastMessage).toEqual(deleted.message);
    });
  });

  describe('replies', () => {
    it('a reply stores { id, senderId, preview } of the original, everywhere it is read', async () => {
      const [a, b] = [await user(), await user()];
      const original = await send(a, b, 'what time?');
      const outcome = await sendOne(reply(req(b, a, 'at six'), original));
      expect(outcome.created).toBe(true);
      const r = storedMessage(outcome);
      expect(r.replyTo).toEqual({ id: original.id, senderId: a.id, preview: 'what time?' });
      expect(r).toMatchObject({ body: 'at six', seq: 2, version: 0, reactions: [] });
      expect(await fx.store.getMessage(r.id)).toEqual(r);
      expect((await fx.store.getHistory(r.conversationId, null, 10)).at(-1)).toEqual(r);
      expect((await fx.store.changesSince(a.id, 0, 10)).messages.at(-1)).toEqual(r);
      // A resend answers the stored reply.
      expect(await sendOne(reply(req(b, a, 'at six', r.clientId), original))).toEqual({ message: r, created: false });
    });

    it('the preview is the original’s first characters (whole code points)', async () => {
      const [a, b] = [await user(), await user()];
      const long = '😀'.repeat(LIMITS.replyPreviewMaxChars + 5);
      const original = await send(a, b, long);
      const r = storedMessage(await sendOne(reply(req(b, a, 'long!'), original)));
      expect(r.replyTo!.preview).toBe('😀'.repeat(LIMITS.replyPreviewMaxChars));
    });

    it('VALIDATION: an unknown message or one of another conversation; no seq is used', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const elsewhere = await send(a, c, 'to c');
      const first = await send(a, b, 'first');
      const outcomes = await fx.store.sendMessages([
        reply(req(a, b, 'x'), elsewhere),
        reply(req(a, b, 'y'), { ...first, id: 'no-such-message' }),
        reply(req(b, a, 'z'), first),
      ]);
      for (const o of outcomes.slice(0, 2)) {
        expect(o.refused?.code).toBe('VALIDATION');
        expect(o.refused?.message).toMatch(/replyTo/);
      }
      expect(storedMessage(outcomes[2]!)).toMatchObject({ seq: 2, replyTo: { id: first.id } });
      expect((await fx.wholeHistory(first.conversationId)).map((m) => m.body)).toEqual(['first', 'z']);
    });

    it('a refused reply as the first message to someone leaves no conversation behind', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const ab = await send(a, b, 'between a and b');
      const [refused] = await fx.store.sendMessages([reply(req(c, b, 'quoting what I never saw'), ab)]);
      expect(refused!.refused?.code).toBe('VALIDATION');
      expect(await fx.store.listConversations(c.id)).toEqual([]);
      expect((await fx.store.listConversations(b.id)).map((x) => x.peerId)).toEqual([a.id]);
      expect((await fx.store.contactsOf(c.id)).peerIds).toEqual([]);
    });

    it('in a group: only a message of one of the sender’s periods', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id, created } = await g.group(a, [b]);
      const before = await g.gsend(a, id, 'before c');
      await g.changed(a, id, { kind: 'add', userIds: [c.id] });
      const after = await g.gsend(b, id, 'after c joined');
      const [refused, accepted, system] = await fx.store.sendMessages([
        reply(g.greq(c, id, 'to before'), before),
        reply(g.greq(c, id, 'to after'), after),
        reply(g.greq(c, id, 'to the creation'), created),
      ]);
      expect(refused!.refused?.code).toBe('VALIDATION');
      expect(storedMessage(accepted!).replyTo).toEqual({ id: after.id, senderId: b.id, preview: 'after c joined' });
      expect(system!.refused?.code).toBe('VALIDATION');
      // A member since the start may answer it.
      expect(storedMessage(await sendOne(reply(g.greq(b, id, 'sure'), before))).replyTo!.id).toBe(before.id);
      // A 1:1 message is not in the group.
      const direct = await send(a, c, 'private');
      expect((await sendOne(reply(g.greq(c, id, 'x'), direct))).refused?.code).toBe('VALIDATION');
    });

    it('a reply to a deleted original is stored (a user’s message is never lost), with an empty preview', async () => {
      const [a, b] = [await user(), await user()];
      const original = await send(a, b, 'oops');
      await ok(a, original, { kind: 'delete' });
      const r = storedMessage(await sendOne(reply(req(b, a, 'what was it?'), original)));
      expect(r.replyTo).toEqual({ id: original.id, senderId: a.id, preview: '' });
    });

    it('deleting the original empties the quote of every reply: in `affected`, the history and every member’s feed', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const original = await g.gsend(a, id, 'the original');
      const r1 = storedMessage(await sendOne(reply(g.greq(b, id, 'reply 1'), original)));
      const r2 = storedMessage(await sendOne(reply(g.greq(c, id, 'reply 2'), original)));
      const r3 = storedMessage(await sendOne(reply(g.greq(c, id, 'reply 3, deleted'), original)));
      await ok(c, r3, { kind: 'delete' });
      const unrelated = await g.gsend(b, id, 'no quote');
      const positions = await Promise.all([a, b, c].map(async (u) => (await fx.drainChanges(u.id)).position));

      const deleted = await ok(a, original, { kind: 'delete' });
      expect(deleted.applied).toBe(true);
      const emptied = [r1, r2].map((x) => ({ ...x, replyTo: { id: original.id, senderId: a.id, preview: '' }, version: 1 }));
      expect([...deleted.affected].sort((x, y) => x.seq - y.seq)).toEqual(emptied);

      for (const [i, u] of [a, b, c].entries()) {
        const page = await fx.store.changesSince(u.id, positions[i]!, 100);
        expect([...page.messages].sort((x, y) => x.seq - y.seq)).toEqual([deleted.message, ...emptied]);
      }
      const history = await g.historyOf(id, b);
      expect(history.find((x) => x.id === r1.id)).toEqual(emptied[0]);
      expect(history.find((x) => x.id === unrelated.id)).toEqual(unrelated);
      // Deleting it again empties nothing more.
      expect((await ok(a, original, { kind: 'delete' })).affected).toEqual([]);
    });

    it('a 1:1 reply’s quote is emptied too', async () => {
      const [a, b] = [await user(), await user()];
      const original = await send(a, b, 'hmm');
      const r = storedMessage(await sendOne(reply(req(b, a, 'yes'), original)));
      const deleted = await ok(a, original, { kind: 'delete' });
      expect(deleted.affected).toEqual([{ ...r, replyTo: { ...r.replyTo!, preview: '' }, version: 1 }]);
      expect(await fx.store.getMessage(r.id)).toEqual(deleted.affected[0]);
    });
  });
}
