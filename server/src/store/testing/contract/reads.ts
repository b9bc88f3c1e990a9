import { directConversationId } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import type { UserRecord } from '../../store.ts';
import { ISO_RE, nextMillisecond, type ContractFixture } from './fixture.ts';

export function describeReadsContract(fx: ContractFixture): void {
  const { user, send, sendMany, wholeHistory } = fx;
  describe('getHistory', () => {
    it('pages backwards from the newest, each page oldest → newest', async () => {
      const a = await user();
      const b = await user();
      const all = await sendMany(a, b, 12);
      const conv = all[0]!.conversationId;

      const newest = await fx.store.getHistory(conv, null, 5);
      expect(newest.map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);
      const older = await fx.store.getHistory(conv, newest[0]!.seq, 5);
      expect(older.map((m) => m.seq)).toEqual([3, 4, 5, 6, 7]);
      const oldest = await fx.store.getHistory(conv, older[0]!.seq, 5);
      expect(oldest.map((m) => m.seq)).toEqual([1, 2]);
      expect(await fx.store.getHistory(conv, 1, 5)).toEqual([]);
      expect([...oldest, ...older, ...newest]).toEqual(all);
    });

    it('is empty for an unknown conversation', async () => {
      expect(await fx.store.getHistory('dm:x:y', null, 10)).toEqual([]);
    });
  });

  describe('listConversations', () => {
    it('lists the user’s conversations newest first with the peer and last message', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      const d = await user();
      await send(a, b, 'ab 1');
      await nextMillisecond();
      const lastAC = await send(c, a, 'ca 1');
      await nextMillisecond();
      const lastAB = await send(b, a, 'ba 2');
      await send(c, d, 'not a’s');

      const list = await fx.store.listConversations(a.id);
      expect(list.map((x) => x.peerId)).toEqual([b.id, c.id]);
      expect(list[0]).toMatchObject({ id: directConversationId(a.id, b.id), lastMessage: lastAB });
      expect(list[1]).toMatchObject({ id: directConversationId(a.id, c.id), lastMessage: lastAC });
      for (const conv of list) expect(conv.updatedAt).toMatch(ISO_RE);

      await nextMillisecond();
      const newer = await send(a, c, 'ac 2');
      const reordered = await fx.store.listConversations(a.id);
      expect(reordered.map((x) => x.peerId)).toEqual([c.id, b.id]);
      expect(reordered[0]!.lastMessage).toEqual(newer);
    });

    it('counts unread messages to this user only, and the count falls as they are read', async () => {
      const a = await user();
      const b = await user();
      await sendMany(b, a, 4, 'to a');
      await sendMany(a, b, 2, 'to b');
      const conv = directConversationId(a.id, b.id);

      const unread = async (u: UserRecord) => (await fx.store.listConversations(u.id))[0]!.unreadCount;
      expect(await unread(a)).toBe(4);
      expect(await unread(b)).toBe(2);

      const history = await wholeHistory(conv);
      const toA = history.filter((m) => m.recipientId === a.id);
      await fx.store.markDelivered(a.id, toA.map((m) => m.id), new Date().toISOString());
      expect(await unread(a)).toBe(4); // delivered is still unread

      await fx.store.markRead(a.id, conv, toA[1]!.seq, new Date().toISOString());
      expect(await unread(a)).toBe(2);
      await fx.store.markRead(a.id, conv, 100, new Date().toISOString());
      expect(await unread(a)).toBe(0);
      expect(await unread(b)).toBe(2);
    });

    it('reflects the current status of the last message', async () => {
      const a = await user();
      const b = await user();
      const m = await send(a, b);
      await fx.store.markRead(b.id, m.conversationId, m.seq, new Date().toISOString());
      expect((await fx.store.listConversations(a.id))[0]!.lastMessage).toEqual({ ...m, status: 'read' });
    });

    it('is empty for a user with no messages', async () => {
      const a = await user();
      expect(await fx.store.listConversations(a.id)).toEqual([]);
    });
  });
}
