import { describe, expect, it } from 'vitest';
import type { ContractFixture } from './fixture.ts';

export function describeChangesSinceContract(fx: ContractFixture): void {
  const { user, send, sendMany, drainChanges } = fx;
  describe('changesSince', () => {
    it('returns the user’s messages in change order with the last position', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      const m1 = await send(a, b, '1');
      const m2 = await send(c, a, '2');
      const m3 = await send(b, a, '3');
      const page = await fx.store.changesSince(a.id, 0, 100);
      expect(page.messages).toEqual([m1, m2, m3]);
      expect(page.hasMore).toBe(false);
      expect(page.position).toBeGreaterThan(0);

      const empty = await fx.store.changesSince(a.id, page.position, 100);
      expect(empty).toEqual({ messages: [], position: page.position, hasMore: false });
    });

    it('with nothing new, returns the position it was given', async () => {
      const a = await user();
      expect(await fx.store.changesSince(a.id, 0, 10)).toEqual({ messages: [], position: 0, hasMore: false });
      expect(await fx.store.changesSince(a.id, 123_456, 10)).toEqual({ messages: [], position: 123_456, hasMore: false });
    });

    it('pages with an exact hasMore until the end, yielding exactly the set', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      const sent = [
        ...(await sendMany(a, b, 7, 'ab')),
        ...(await sendMany(c, a, 5, 'ca')),
        ...(await sendMany(b, a, 3, 'ba')),
      ];
      // 15 messages in pages of 5: the third page is full and must still say hasMore: false.
      const { pages, messages } = await drainChanges(a.id, 0, 5);
      expect(pages.map((p) => p.messages.length)).toEqual([5, 5, 5]);
      expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
      expect(messages).toEqual(sent);

      const odd = await drainChanges(a.id, 0, 4);
      expect(odd.pages.map((p) => p.messages.length)).toEqual([4, 4, 4, 3]);
      expect(odd.messages).toEqual(sent);
    });

    it('a status change re-appears at a later position, for both members', async () => {
      const a = await user();
      const b = await user();
      const [m1, m2] = await sendMany(a, b, 2);
      const posA = (await fx.store.changesSince(a.id, 0, 100)).position;
      const posB = (await fx.store.changesSince(b.id, 0, 100)).position;

      await fx.store.markDelivered(b.id, [m1!.id], new Date().toISOString());
      for (const [u, pos] of [[a, posA], [b, posB]] as const) {
        const page = await fx.store.changesSince(u.id, pos, 100);
        expect(page.messages).toEqual([{ ...m1!, status: 'delivered' }]);
        expect(page.position).toBeGreaterThan(pos);
      }

      const afterDelivery = (await fx.store.changesSince(a.id, posA, 100)).position;
      await fx.store.markRead(b.id, m1!.conversationId, 2, new Date().toISOString());
      const page = await fx.store.changesSince(a.id, afterDelivery, 100);
      expect([...page.messages].sort((x, y) => x.seq - y.seq)).toEqual([
        { ...m1!, status: 'read' },
        { ...m2!, status: 'read' },
      ]);
    });

    it('a message changed several times appears once, at its latest state', async () => {
      const a = await user();
      const b = await user();
      const [m1, m2] = await sendMany(a, b, 2);
      await fx.store.markDelivered(b.id, [m1!.id], new Date().toISOString());
      await fx.store.markRead(b.id, m1!.conversationId, 1, new Date().toISOString());
      const { messages } = await drainChanges(b.id, 0, 1);
      // m1 changed last, so it now comes after m2.
      expect(messages).toEqual([m2, { ...m1!, status: 'read' }]);
    });

    it('positions only grow, across users and conversations', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      await send(a, b);
      const pa1 = (await fx.store.changesSince(a.id, 0, 100)).position;
      await send(c, b); // not a's conversation, but it still takes a position
      await send(b, a);
      const page = await fx.store.changesSince(a.id, pa1, 100);
      expect(page.messages).toHaveLength(1);
      expect(page.position).toBeGreaterThan(pa1);
      const pc = (await fx.store.changesSince(c.id, 0, 100)).position;
      expect(page.position).toBeGreaterThan(pc);
    });

    it('never returns other users’ conversations', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      const d = await user();
      await sendMany(b, c, 5);
      const cd = await sendMany(c, d, 3);
      await fx.store.markDelivered(d.id, cd.map((m) => m.id), new Date().toISOString());
      const mine = await send(b, a, 'for a');
      const { messages } = await drainChanges(a.id, 0, 2);
      expect(messages).toEqual([mine]);
      for (const m of (await drainChanges(b.id)).messages) {
        expect([m.senderId, m.recipientId]).toContain(b.id);
      }
    });
  });
}
