import { describe, expect, it } from 'vitest';
import { storedMessage } from '../../store.ts';
import { byId, type ContractFixture } from './fixture.ts';

export function describeReceiptsContract(fx: ContractFixture): void {
  const { user, req, send, sendMany, wholeHistory } = fx;
  describe('markDelivered', () => {
    it('moves sent → delivered for the recipient and returns the changed messages', async () => {
      const a = await user();
      const b = await user();
      const [m1, m2, m3] = await sendMany(a, b, 3);
      const at = new Date().toISOString();
      const changed = await fx.store.markDelivered(b.id, [m1!.id, m3!.id], at);
      expect([...changed].sort(byId)).toEqual([{ ...m1!, status: 'delivered' }, { ...m3!, status: 'delivered' }].sort(byId));
      const history = await wholeHistory(m1!.conversationId);
      expect(history.map((m) => m.status)).toEqual(['delivered', 'sent', 'delivered']);
      expect(history[1]).toEqual(m2);
    });

    it('is idempotent: a second receipt changes nothing', async () => {
      const a = await user();
      const b = await user();
      const m = await send(a, b);
      expect(await fx.store.markDelivered(b.id, [m.id], new Date().toISOString())).toHaveLength(1);
      expect(await fx.store.markDelivered(b.id, [m.id], new Date().toISOString())).toEqual([]);
      expect(await fx.store.markDelivered(b.id, [m.id, m.id], new Date().toISOString())).toEqual([]);
    });

    it('counts an id repeated inside one call once', async () => {
      const a = await user();
      const b = await user();
      const m = await send(a, b);
      const changed = await fx.store.markDelivered(b.id, [m.id, m.id, m.id], new Date().toISOString());
      expect(changed).toEqual([{ ...m, status: 'delivered' }]);
    });

    it('only the recipient can mark a message delivered', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      const m = await send(a, b);
      expect(await fx.store.markDelivered(a.id, [m.id], new Date().toISOString())).toEqual([]);
      expect(await fx.store.markDelivered(c.id, [m.id], new Date().toISOString())).toEqual([]);
      expect((await wholeHistory(m.conversationId))[0]!.status).toBe('sent');
    });

    it('ignores unknown ids', async () => {
      const a = await user();
      const b = await user();
      const m = await send(a, b);
      const changed = await fx.store.markDelivered(b.id, ['no-such-message', m.id], new Date().toISOString());
      expect(changed.map((x) => x.id)).toEqual([m.id]);
      expect(await fx.store.markDelivered(b.id, [], new Date().toISOString())).toEqual([]);
    });

    it('never moves a read message back to delivered', async () => {
      const a = await user();
      const b = await user();
      const m = await send(a, b);
      await fx.store.markRead(b.id, m.conversationId, m.seq, new Date().toISOString());
      expect(await fx.store.markDelivered(b.id, [m.id], new Date().toISOString())).toEqual([]);
      expect((await wholeHistory(m.conversationId))[0]!.status).toBe('read');
    });

    it('concurrent delivered and read receipts end at read', async () => {
      const a = await user();
      const b = await user();
      const msgs = await sendMany(a, b, 10);
      const at = new Date().toISOString();
      const conv = msgs[0]!.conversationId;
      await Promise.all([
        fx.store.markDelivered(b.id, msgs.map((m) => m.id), at),
        fx.store.markRead(b.id, conv, 10, at),
        fx.store.markDelivered(b.id, msgs.map((m) => m.id), at),
      ]);
      expect((await wholeHistory(conv)).map((m) => m.status)).toEqual(Array(10).fill('read'));
    });
  });

  describe('markRead', () => {
    it('marks the reader’s incoming messages up to seq as read, and only those', async () => {
      const a = await user();
      const b = await user();
      const outcomes = await fx.store.sendMessages([
        req(a, b, '1'), // seq 1 → read
        req(b, a, '2'), // seq 2, b's own → untouched
        req(a, b, '3'), // seq 3 → read
        req(a, b, '4'), // seq 4 > upToSeq → untouched
      ]);
      const [m1, m2, m3, m4] = outcomes.map(storedMessage);
      await fx.store.markDelivered(b.id, [m3!.id], new Date().toISOString());

      const changed = await fx.store.markRead(b.id, m1!.conversationId, 3, new Date().toISOString());
      expect([...changed].sort(byId)).toEqual([{ ...m1!, status: 'read' }, { ...m3!, status: 'read' }].sort(byId));
      const history = await wholeHistory(m1!.conversationId);
      expect(history.map((m) => m.status)).toEqual(['read', 'sent', 'read', 'sent']);
      expect(history[1]).toEqual(m2);
      expect(history[3]).toEqual(m4);
    });

    it('is idempotent and can extend further later', async () => {
      const a = await user();
      const b = await user();
      const msgs = await sendMany(a, b, 4);
      const conv = msgs[0]!.conversationId;
      expect(await fx.store.markRead(b.id, conv, 2, new Date().toISOString())).toHaveLength(2);
      expect(await fx.store.markRead(b.id, conv, 2, new Date().toISOString())).toEqual([]);
      expect(await fx.store.markRead(b.id, conv, 1, new Date().toISOString())).toEqual([]);
      const more = await fx.store.markRead(b.id, conv, 100, new Date().toISOString());
      expect(more.map((m) => m.seq).sort()).toEqual([3, 4]);
    });

    it('a read past the newest message does not cover messages sent after it', async () => {
      const a = await user();
      const b = await user();
      const [first] = await sendMany(a, b, 1);
      const conv = first!.conversationId;
      expect(await fx.store.markRead(b.id, conv, 50, new Date().toISOString())).toHaveLength(1);
      const later = await send(a, b, 'after the read');
      expect(later.seq).toBe(2);
      expect((await wholeHistory(conv)).map((m) => m.status)).toEqual(['read', 'sent']);
      expect((await fx.store.listConversations(b.id))[0]!.unreadCount).toBe(1);
      expect((await fx.store.markRead(b.id, conv, 2, new Date().toISOString())).map((m) => m.seq)).toEqual([2]);
      expect((await fx.store.listConversations(b.id))[0]!.unreadCount).toBe(0);
    });

    it('does nothing for the sender or for a user outside the conversation', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      const msgs = await sendMany(a, b, 3);
      const conv = msgs[0]!.conversationId;
      expect(await fx.store.markRead(a.id, conv, 3, new Date().toISOString())).toEqual([]);
      expect(await fx.store.markRead(c.id, conv, 3, new Date().toISOString())).toEqual([]);
      expect(await fx.store.markRead(b.id, 'dm:nobody:nothing', 3, new Date().toISOString())).toEqual([]);
      expect((await wholeHistory(conv)).map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
    });

    it('leaves the reader’s other conversations alone', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      const ab = await send(a, b);
      const cb = await send(c, b);
      await fx.store.markRead(b.id, ab.conversationId, 10, new Date().toISOString());
      expect((await wholeHistory(cb.conversationId))[0]!.status).toBe('sent');
    });
  });
}
