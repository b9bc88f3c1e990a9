import { describe, expect, it } from 'vitest';
import type { Message } from '@pigeon/sync-protocol';
import type { ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/**
 * Group receipts are per-member positions; a message's status is the aggregate over the other
 * current members, and messageReceipts reads the log of position moves (docs/architecture.md,
 * "Groups", "Receipts are positions, not rows").
 */
export function describeGroupReceiptsContract(fx: ContractFixture, g: GroupFixture): void {
  const { user } = fx;
  const T = (n: number) => `2027-01-01T00:00:${String(n).padStart(2, '0')}.000Z`;
  const statuses = async (id: string, viewer: { id: string }) =>
    (await fx.store.getHistory(id, null, 1000, viewer.id)).filter((m) => m.type === 'text').map((m) => m.status);
  const seqsOf = (messages: readonly Message[]) => messages.map((m) => m.seq).sort((x, y) => x - y);

  describe('group receipts', () => {
    it('delivered once every other member’s device stored it, whatever the sender’s own position', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const m = await g.gsend(a, id, 'm');
      const { position } = await g.feed(a);
      expect(await fx.store.markDelivered(b.id, [m.id], T(1))).toEqual([]);
      expect(await statuses(id, a)).toEqual(['sent']);
      expect(await fx.store.markDelivered(c.id, [m.id], T(2))).toEqual([{ ...m, status: 'delivered' }]);
      expect(await statuses(id, b)).toEqual(['delivered']);
      // Every member's feed carries the change.
      expect((await g.feed(a, position)).messages).toEqual([{ ...m, status: 'delivered' }]);
      expect(await fx.store.markDelivered(c.id, [m.id], T(3))).toEqual([]);
    });

    it('read once every other member read it; read implies delivered', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const m = await g.gsend(a, id, 'm');
      expect(await fx.store.markRead(b.id, id, m.seq, T(1))).toEqual([]);
      expect(await fx.store.markRead(c.id, id, m.seq, T(2))).toEqual([{ ...m, status: 'read' }]);
      // Statuses only move forward.
      expect(await fx.store.markDelivered(b.id, [m.id], T(3))).toEqual([]);
      expect(await fx.store.markRead(c.id, id, 1, T(4))).toEqual([]);
      expect(await statuses(id, a)).toEqual(['read']);
    });

    it('a delivered position moves to the highest seq named, covering the messages below it', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const [m1, m2, m3] = [await g.gsend(a, id, '1'), await g.gsend(a, id, '2'), await g.gsend(a, id, '3')];
      expect(await fx.store.markDelivered(b.id, [m3.id, 'no-such-message'], T(1))).toEqual([]);
      expect(seqsOf(await fx.store.markDelivered(c.id, [m2.id], T(2)))).toEqual([m1.seq, m2.seq]);
      expect(await statuses(id, a)).toEqual(['delivered', 'delivered', 'sent']);
      expect(await fx.store.markDelivered(c.id, [m1.id], T(3))).toEqual([]);
    });

    it('each message waits for the members other than its own sender', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const m = await g.gsend(a, id, 'by a'); // 2
      const n = await g.gsend(b, id, 'by b'); // 3
      expect(await fx.store.markDelivered(c.id, [n.id], T(1))).toEqual([]);
      // b's device stored both (its own included): m has all its others now; n still waits for a.
      expect(await fx.store.markDelivered(b.id, [m.id, n.id], T(2))).toEqual([{ ...m, status: 'delivered' }]);
      expect(await fx.store.markDelivered(a.id, [n.id], T(3))).toEqual([{ ...n, status: 'delivered' }]);
    });

    it('a leaving member stops holding a message back; a newcomer never holds back what came before it', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const m = await g.gsend(a, id, 'by a'); // 2
      await g.gsend(b, id, 'by b'); // 3
      await fx.store.markRead(b.id, id, 3, T(1));
      expect(await statuses(id, a)).toEqual(['sent', 'sent']);
      const removal = await g.change(c, id, { kind: 'remove', userId: c.id }); // 4
      expect(await statuses(id, a)).toEqual(['read', 'sent']);
      // The outcome names what the change moved, as stored now (the service tells their senders).
      expect(removal.settled.map((x) => x.id)).toContain(m.id);
      for (const x of removal.settled) expect(x).toEqual(await fx.store.getMessage(x.id));
      expect((await g.change(c, id, { kind: 'remove', userId: c.id }, removal.message!.clientId)).settled).toEqual([]); // a retry
      await g.changed(a, id, { kind: 'add', userIds: [d.id] }); // 5
      expect(await statuses(id, a)).toEqual(['read', 'sent']);
      // a reads: 'by b' has all of its others (a, and d, who joined after it).
      expect(seqsOf(await fx.store.markRead(a.id, id, 5, T(2)))).toContain(3);
      expect(await statuses(id, a)).toEqual(['read', 'read']);
      // A later message waits for the newcomer like for anyone.
      const later = await g.gsend(a, id, 'later');
      // b was the last one short of the system messages 4 and 5: its read completes them.
      expect((await fx.store.markRead(b.id, id, later.seq, T(3))).map((x) => x.seq).sort()).toEqual([4, 5]);
      expect(await fx.store.markRead(d.id, id, later.seq, T(4))).toEqual([{ ...later, status: 'read' }]);
      expect((await fx.store.getMessage(m.id))!.status).toBe('read');
    });

    it('a newcomer ends a lone member’s wait, and the change says so', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b]);
      await g.changed(b, id, { kind: 'remove', userId: b.id }); // b leaves: a is alone
      const lone = await g.gsend(a, id, 'alone');
      expect(await statuses(id, a)).toEqual(['sent']);
      const add = await g.change(a, id, { kind: 'add', userIds: [c.id] });
      expect(await statuses(id, a)).toEqual(['read']);
      expect(add.settled.find((x) => x.id === lone.id)).toEqual({ ...(await fx.store.getMessage(lone.id)), status: 'read' });
      expect((await g.change(a, id, { kind: 'rename', title: 'renamed' })).settled).toEqual([]);
    });

    it('a read past the last message does not cover messages sent after it; strangers and former members move nothing', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const m = await g.gsend(a, id, 'm');
      await fx.store.markRead(b.id, id, 50, T(1));
      const n = await g.gsend(a, id, 'n');
      expect(await fx.store.markRead(c.id, id, 50, T(2))).toEqual([{ ...m, status: 'read' }]);
      expect(await fx.store.markDelivered(d.id, [n.id], T(3))).toEqual([]);
      expect(await fx.store.markRead(d.id, id, 50, T(4))).toEqual([]);
      await g.changed(a, id, { kind: 'remove', userId: c.id });
      expect(await statuses(id, a)).toEqual(['read', 'sent']);
      expect(await fx.store.markRead(c.id, id, 50, T(5))).toEqual([]);
      expect(await statuses(id, a)).toEqual(['read', 'sent']);
    });

    it('readPosition and the list’s readSeq: where the user read up to in their latest period, clamped to the last seq', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const readSeqOf = async (u: { id: string }) => (await fx.store.listConversations(u.id)).find((r) => r.id === id)?.readSeq;
      expect(await fx.store.readPosition(id, b.id)).toBe(1); // the creation added them
      expect(await fx.store.readPosition(id, d.id)).toBeNull();
      expect(await fx.store.readPosition('g:no-such-group', b.id)).toBeNull();
      await g.gsend(a, id, 'm'); // 2
      await g.gsend(a, id, 'n'); // 3
      await fx.store.markRead(b.id, id, 2, T(1));
      expect(await fx.store.readPosition(id, b.id)).toBe(2);
      expect(await readSeqOf(b)).toBe(2);
      await fx.store.markRead(b.id, id, 50, T(2));
      expect(await fx.store.readPosition(id, b.id)).toBe(3);
      await fx.store.markRead(b.id, id, 1, T(3)); // never moves back
      expect(await readSeqOf(b)).toBe(3);
      await g.changed(a, id, { kind: 'add', userIds: [d.id] }); // 4
      expect(await fx.store.readPosition(id, d.id)).toBe(4);
      expect(await readSeqOf(d)).toBe(4);
    });

    it('the list’s deliveredSeq: where the user’s devices stored the group up to in their latest period; a read moves it too', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const positionsOf = async (u: { id: string }) => {
        const r = (await fx.store.listConversations(u.id)).find((x) => x.id === id);
        return r && { deliveredSeq: r.deliveredSeq, readSeq: r.readSeq };
      };
      expect(await positionsOf(b)).toEqual({ deliveredSeq: 1, readSeq: 1 }); // the creation added them
      const [m2, m3] = [await g.gsend(a, id, '2'), await g.gsend(a, id, '3')];
      const m4 = await g.gsend(a, id, '4');
      await fx.store.markDelivered(b.id, [m3.id], T(1));
      expect(await positionsOf(b)).toEqual({ deliveredSeq: 3, readSeq: 1 });
      await fx.store.markDelivered(b.id, [m2.id], T(2)); // never moves back
      expect(await positionsOf(b)).toEqual({ deliveredSeq: 3, readSeq: 1 });
      // Read implies delivered: c never sent a delivered receipt; b's read passes its delivered position.
      await fx.store.markRead(c.id, id, m2.seq, T(3));
      expect(await positionsOf(c)).toEqual({ deliveredSeq: 2, readSeq: 2 });
      await fx.store.markRead(b.id, id, 50, T(4));
      expect(await positionsOf(b)).toEqual({ deliveredSeq: m4.seq, readSeq: m4.seq });

      // A former member's positions stop at their removal: their devices may still receive it, nothing after it.
      const removal = await g.changed(a, id, { kind: 'remove', userId: b.id }); // 5
      const m6 = await g.gsend(a, id, '6');
      expect(await positionsOf(b)).toEqual({ deliveredSeq: 4, readSeq: 4 });
      await fx.store.markDelivered(b.id, [removal.id, m6.id], T(5));
      expect(await positionsOf(b)).toEqual({ deliveredSeq: 5, readSeq: 4 });
      // Added again: a new period, whose positions start at the seq that added them.
      const added = await g.changed(a, id, { kind: 'add', userIds: [b.id] }); // 7
      expect(await positionsOf(b)).toEqual({ deliveredSeq: added.seq, readSeq: added.seq });
      await fx.store.markDelivered(b.id, [m4.id], T(6)); // of the earlier period: moves nothing
      expect(await positionsOf(b)).toEqual({ deliveredSeq: added.seq, readSeq: added.seq });
      const m8 = await g.gsend(a, id, '8');
      await fx.store.markDelivered(b.id, [m8.id], T(7));
      expect(await positionsOf(b)).toEqual({ deliveredSeq: m8.seq, readSeq: added.seq });
    });

    it('messageReceipts: each other member of the message’s period, when their position first covered it', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const created = await fx.store.createGroup({ creatorId: a.id, clientId: 'receipts-1', title: 'R', memberIds: [b.id, c.id], at: T(0) });
      const id = created.group.id;
      const m1 = await g.gsend(a, id, '1'); // 2
      const m2 = await g.gsend(a, id, '2'); // 3
      await fx.store.markDelivered(b.id, [m1.id], T(1));
      await fx.store.markRead(b.id, id, m1.seq, T(2));
      await fx.store.markDelivered(c.id, [m2.id], T(3));
      await fx.store.markRead(c.id, id, m2.seq, T(4));
      await fx.store.markRead(b.id, id, m2.seq, T(5));
      const sorted = (r: { userId: string }[] | null) => [...(r ?? [])].sort((x, y) => (x.userId < y.userId ? -1 : 1));
      const rec = (u: { id: string }, deliveredAt: string | null, readAt: string | null) => ({ userId: u.id, deliveredAt, readAt });

      expect(sorted(await fx.store.messageReceipts(m1.id))).toEqual(sorted([rec(b, T(1), T(2)), rec(c, T(3), T(4))]));
      // b never sent a delivered receipt for m2: its read covers it.
      expect(sorted(await fx.store.messageReceipts(m2.id))).toEqual(sorted([rec(b, T(5), T(5)), rec(c, T(3), T(4))]));
      // Every member's positions start at the creation.
      expect(sorted(await fx.store.messageReceipts(created.message!.id))).toEqual(sorted([rec(b, T(0), T(0)), rec(c, T(0), T(0))]));

      // A leaver stays in the receipts of its period; a newcomer is not in those of before it.
      await g.change(c, id, { kind: 'remove', userId: c.id }, 'leave-1', T(6));
      await g.change(a, id, { kind: 'add', userIds: [d.id] }, 'add-1', T(7));
      expect(sorted(await fx.store.messageReceipts(m1.id))).toEqual(sorted([rec(b, T(1), T(2)), rec(c, T(3), T(4))]));
      const n = await g.gsend(b, id, 'by b');
      expect(sorted(await fx.store.messageReceipts(n.id))).toEqual(sorted([rec(a, null, null), rec(d, null, null)]));
      await fx.store.markRead(d.id, id, n.seq, T(8));
      expect(sorted(await fx.store.messageReceipts(n.id))).toEqual(sorted([rec(a, null, null), rec(d, T(8), T(8))]));

      const direct = await fx.send(a, b);
      expect(await fx.store.messageReceipts(direct.id)).toBeNull();
      expect(await fx.store.messageReceipts('no-such-message')).toBeNull();
    });
  });
}
