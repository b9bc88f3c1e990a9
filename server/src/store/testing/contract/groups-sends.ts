import { directConversationId } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { storedMessage, type SendRequest } from '../../store.ts';
import type { ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/** sendMessages with group sends: membership at commit, gap-free seqs, refusals beside stored sends. */
export function describeGroupSendsContract(fx: ContractFixture, g: GroupFixture): void {
  const { user, req } = fx;

  describe('group sends', () => {
    it('a member’s send: a text message with the next seq, to the group', async () => {
      const [a, b] = [await user(), await user()];
      const { id } = await g.group(a, [b]);
      const m = await g.gsend(b, id, 'hi all', 'group-send-1');
      expect(m).toMatchObject({
        clientId: 'group-send-1', conversationId: id, senderId: b.id, recipientId: id, body: 'hi all', seq: 2, status: 'sent', type: 'text',
      });
      expect(m.system).toBeUndefined();
      expect(await g.historyOf(id, a)).toHaveLength(2);
      expect((await fx.store.getGroup(id))!.lastSeq).toBe(2);
    });

    it('keeps seq gap-free under many concurrent batches from several members', async () => {
      const members = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(members[0]!, members.slice(1));
      const batches = Array.from({ length: 20 }, (_, i) =>
        fx.store.sendMessages(Array.from({ length: 5 }, (_, j) => g.greq(members[(i + j) % 4]!, id, `m${i}.${j}`))),
      );
      const results = await Promise.all(batches);
      for (const outcomes of results) {
        const batchSeqs = outcomes.map((o) => storedMessage(o).seq);
        expect(batchSeqs).toEqual([...batchSeqs].sort((x, y) => x - y));
      }
      const all = results.flatMap((r) => r.map((o) => storedMessage(o).seq)).sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
      expect((await g.historyOf(id, members[2]!)).map((m) => m.seq)).toEqual([1, ...all]);
    });

    it('a non-member’s send is refused FORBIDDEN, an unknown group’s NOT_FOUND; the rest of the batch is stored', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(a, [b]);
      const batch: SendRequest[] = [
        g.greq(a, id, 'one'),
        g.greq(c, id, 'outsider'),
        req(c, d, '1:1 between'),
        g.greq(b, id, 'two'),
        g.greq(a, 'g:00000000-0000-7000-8000-000000000000', 'nowhere'),
        g.greq(b, id, 'three'),
      ];
      const outcomes = await fx.store.sendMessages(batch);
      expect(outcomes.map((o) => o.refused?.code ?? null)).toEqual([null, 'FORBIDDEN', null, null, 'NOT_FOUND', null]);
      expect(outcomes.map((o) => o.message?.seq ?? null)).toEqual([2, null, 1, 3, null, 4]);
      expect(outcomes.filter((o) => o.message).every((o) => o.created)).toBe(true);
      expect((await g.historyOf(id, a)).map((m) => m.body)).toEqual(['', 'one', 'two', 'three']);
      // The refused clientId was not used up.
      const retry = await fx.store.sendMessages([{ ...batch[1]!, conversationId: undefined, recipientId: d.id }]);
      expect(retry[0]!.created).toBe(true);
    });

    it('a member removed before the commit is refused; a send stored before the removal is still returned on retry', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const stored = await g.gsend(c, id, 'while a member', 'kept-1');
      await g.changed(a, id, { kind: 'remove', userId: c.id });
      const [refused, retried] = await fx.store.sendMessages([g.greq(c, id, 'after'), g.greq(c, id, 'while a member', 'kept-1')]);
      expect(refused!.refused?.code).toBe('FORBIDDEN');
      expect(retried).toEqual({ message: stored, created: false });
      expect((await g.historyOf(id, a)).map((m) => m.seq)).toEqual([1, 2, 3]);
    });

    // Who gets a group message live comes from its commit, not from rooms a lost notice between
    // nodes can leave stale (docs/reliability.md, C10).
    it('a group message stored now names the members as of its commit (viewers); a resend and a 1:1 send name none', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const [first, second, direct] = await fx.store.sendMessages([g.greq(b, id, 'one', 'viewers-1'), g.greq(a, id, 'two'), req(a, d, 'to d')]);
      expect([...first!.viewers!].sort()).toEqual(g.ids([a, b, c]).sort());
      expect([...second!.viewers!].sort()).toEqual(g.ids([a, b, c]).sort());
      expect(direct!.viewers).toBeUndefined();
      await g.changed(a, id, { kind: 'remove', userId: c.id });
      await g.changed(a, id, { kind: 'add', userIds: [d.id] });
      const [after, resent] = await fx.store.sendMessages([g.greq(b, id, 'three'), g.greq(b, id, 'one', 'viewers-1')]);
      expect([...after!.viewers!].sort()).toEqual(g.ids([a, b, d]).sort());
      expect(resent).toEqual({ message: storedMessage(first!), created: false });
    });

    it('duplicates of a group send resolve to one message, in one batch and across batches', async () => {
      const [a, b] = [await user(), await user()];
      const { id } = await g.group(a, [b]);
      const outcomes = await fx.store.sendMessages([g.greq(a, id, 'x', 'g-dup-1'), g.greq(b, id, 'y'), g.greq(a, id, 'x', 'g-dup-1')]);
      expect(outcomes.map((o) => o.created)).toEqual([true, true, false]);
      expect(outcomes[2]!.message).toEqual(outcomes[0]!.message);
      const again = await fx.store.sendMessages([g.greq(a, id, 'edited', 'g-dup-1')]);
      expect(again[0]).toEqual({ message: outcomes[0]!.message, created: false });
      expect((await g.historyOf(id, a)).map((m) => m.seq)).toEqual([1, 2, 3]);
    });

    it('a 1:1 send in a batch with group sends works exactly as before', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b]);
      const earlier = await fx.send(a, c, 'first');
      const outcomes = await fx.store.sendMessages([g.greq(a, id, 'group'), req(a, c, 'second'), g.greq(b, id, 'group 2'), req(c, a, 'third')]);
      const [, second, , third] = outcomes.map(storedMessage);
      expect(second).toMatchObject({ conversationId: directConversationId(a.id, c.id), recipientId: c.id, seq: 2, type: 'text', status: 'sent' });
      expect(third).toMatchObject({ conversationId: earlier.conversationId, recipientId: a.id, seq: 3 });
      expect(await fx.wholeHistory(earlier.conversationId)).toEqual([earlier, second, third]);
      // c is in no group: its feed is its 1:1 conversation only.
      expect((await g.feed(c)).messages).toEqual([earlier, second, third]);
      const [conv] = await fx.store.listConversations(c.id);
      expect(conv).toMatchObject({ type: 'direct', peerId: a.id, lastMessage: third, unreadCount: 2 });
      await fx.store.markDelivered(c.id, [second!.id], new Date().toISOString());
      expect((await fx.store.markRead(c.id, second!.conversationId, 3, new Date().toISOString())).map((m) => m.seq).sort()).toEqual([1, 2]);
    });
  });
}
