import { describe, expect, it } from 'vitest';
import type { Message } from '@pigeon/sync-protocol';
import { ISO_RE, nextMillisecond, type ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/**
 * What a member may read is the seqs of their membership periods: in the change feed, the
 * history and the conversation list (docs/architecture.md, "Groups", "Members and periods").
 */
export function describeGroupPeriodsContract(fx: ContractFixture, g: GroupFixture): void {
  const { user } = fx;
  const seqs = (messages: readonly Message[]) => messages.map((m) => m.seq);

  describe('group periods', () => {
    it('a removed member gets the removal and nothing after it; re-added, what follows the re-addition only', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      await g.gsend(a, id, 'before'); // 2
      await g.changed(a, id, { kind: 'remove', userId: c.id }); // 3
      await g.gsend(b, id, 'while c is away'); // 4
      const away = await g.feed(c);
      expect(seqs(away.messages)).toEqual([1, 2, 3]);
      expect(away.messages[2]!.system).toMatchObject({ kind: 'member-removed', userIds: [c.id] });
      expect(seqs(await g.historyOf(id, c))).toEqual([1, 2, 3]);

      await g.changed(a, id, { kind: 'add', userIds: [c.id] }); // 5
      await g.gsend(a, id, 'after'); // 6
      const back = await g.feed(c, away.position);
      expect(seqs(back.messages)).toEqual([5, 6]);
      expect(seqs(await g.historyOf(id, c))).toEqual([1, 2, 3, 5, 6]);
      expect(await fx.store.memberPeriods(id, c.id)).toEqual([{ fromSeq: 1, toSeq: 3 }, { fromSeq: 5, toSeq: null }]);
      // From scratch, the feed is the same set.
      expect(seqs((await g.feed(c)).messages).sort((x, y) => x - y)).toEqual([1, 2, 3, 5, 6]);
      expect(seqs((await g.feed(b)).messages).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('history pages backwards across periods, and shows nothing without a viewer or to a stranger', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      await g.gsend(a, id, '2');
      await g.changed(a, id, { kind: 'remove', userId: c.id }); // 3
      await g.gsend(a, id, '4');
      await g.changed(a, id, { kind: 'add', userIds: [c.id] }); // 5
      await g.gsend(a, id, '6');
      await g.gsend(a, id, '7');
      expect(seqs(await fx.store.getHistory(id, null, 3, c.id))).toEqual([5, 6, 7]);
      expect(seqs(await fx.store.getHistory(id, 5, 3, c.id))).toEqual([1, 2, 3]);
      expect(seqs(await fx.store.getHistory(id, 6, 2, c.id))).toEqual([3, 5]);
      expect(seqs(await fx.store.getHistory(id, 2, 10, c.id))).toEqual([1]);
      expect(seqs(await fx.store.getHistory(id, null, 100, a.id))).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(await fx.store.getHistory(id, null, 100)).toEqual([]);
      expect(await fx.store.getHistory(id, null, 100, d.id)).toEqual([]);
    });

    it('a removed member still gets later status changes of messages inside its period', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const m = await g.gsend(a, id, 'inside'); // 2
      await g.changed(a, id, { kind: 'remove', userId: c.id }); // 3
      const { position } = await g.feed(c);
      // c no longer holds m back: b's read makes it read, and c learns it.
      await fx.store.markRead(b.id, id, 3, new Date().toISOString());
      const later = await g.feed(c, position);
      // m and the removal itself (a's too, seq 3, inside c's period).
      const bySeq = [...later.messages].sort((x, y) => x.seq - y.seq);
      expect(bySeq.map((x) => [x.seq, x.status])).toEqual([[2, 'read'], [3, 'read']]);
      expect(bySeq[0]).toEqual({ ...m, status: 'read' });
      await g.gsend(a, id, 'outside');
      await fx.store.markRead(b.id, id, 4, new Date().toISOString());
      expect((await g.feed(c, later.position)).messages).toEqual([]);
    });

    it('a promotion changes no period: the new admin keeps getting the group in the feed, the history and the list', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      await g.changed(a, id, { kind: 'promote', userId: b.id }); // 2
      await g.gsend(c, id, 'after the promotion'); // 3
      await g.changed(b, id, { kind: 'rename', title: 'renamed by b' }); // 4
      expect(await fx.store.memberPeriods(id, b.id)).toEqual([{ fromSeq: 1, toSeq: null }]);
      expect(seqs((await g.feed(b)).messages).sort((x, y) => x - y)).toEqual([1, 2, 3, 4]);
      expect(seqs(await g.historyOf(id, b))).toEqual([1, 2, 3, 4]);
      const entry = (await fx.store.listConversations(b.id)).find((x) => x.id === id)!;
      expect(entry.lastMessage?.seq).toBe(4);
      expect(entry.unreadCount).toBe(1);
      expect(entry.members.find((m) => m.userId === b.id)?.role).toBe('admin');
      expect((await fx.store.contactsOf(b.id)).groups.map((x) => x.id)).toEqual([id]);
    });

    it('system messages are in the change feed in order with the text around them', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id, created } = await g.group(a, [b]);
      const hello = await g.gsend(b, id, 'hello');
      const renamed = await g.changed(a, id, { kind: 'rename', title: 'Renamed' });
      const added = await g.changed(a, id, { kind: 'add', userIds: [c.id] });
      const feed = await g.feed(b);
      expect(feed.messages).toEqual([created, hello, renamed, added]);
      expect(feed.messages.map((m) => m.type)).toEqual(['system', 'text', 'system', 'system']);
      expect(hello.system).toBeUndefined();
    });

    it('listConversations: groups with title, members, the last message visible to the user and its unread count', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      await fx.send(a, d, 'a 1:1 first');
      await nextMillisecond();
      const { id } = await g.group(a, [b, c], 'Team');
      await g.gsend(a, id, 'a1');
      await g.gsend(b, id, 'b1');
      const renamed = await g.changed(a, id, { kind: 'rename', title: 'Team 2' });
      const list = await fx.store.listConversations(a.id);
      expect(list.map((x) => x.type)).toEqual(['group', 'direct']);
      expect(list[0]).toMatchObject({ id, type: 'group', peerId: null, title: 'Team 2', lastMessage: renamed, unreadCount: 1 });
      expect(g.ids(list[0]!.members.map((m) => ({ id: m.userId })))).toEqual(g.ids([a, b, c]));
      expect(list[0]!.updatedAt).toMatch(ISO_RE);
      expect(list[1]).toMatchObject({ type: 'direct', peerId: d.id, title: null, members: [] });

      // Text messages by someone else after the read position; system messages are never unread
      // (as on the devices: a rename is a line in the chat, not something to catch up on).
      const unread = async (u: typeof a) => (await fx.store.listConversations(u.id)).find((x) => x.id === id)!.unreadCount;
      expect(await unread(b)).toBe(1);
      expect(await unread(c)).toBe(2);
      await fx.store.markRead(c.id, id, 2, new Date().toISOString());
      expect(await unread(c)).toBe(1);
      await fx.store.markRead(c.id, id, 100, new Date().toISOString());
      expect(await unread(c)).toBe(0);

      // A removed member keeps the group, as it was at the removal.
      await fx.store.markRead(c.id, id, 1, new Date().toISOString()); // no effect: below its position
      const before = await g.gsend(b, id, 'b2, unread by c');
      const removal = await g.changed(a, id, { kind: 'remove', userId: c.id });
      await g.gsend(a, id, 'after c');
      const cs = (await fx.store.listConversations(c.id)).find((x) => x.id === id)!;
      expect(cs.lastMessage).toEqual(removal);
      expect(before.seq).toBeLessThan(removal.seq);
      expect(cs.unreadCount).toBe(1);
      expect(cs.members.map((m) => m.userId)).not.toContain(c.id);
      // It can still read up to the removal.
      await fx.store.markRead(c.id, id, 100, new Date().toISOString());
      expect((await fx.store.listConversations(c.id)).find((x) => x.id === id)!.unreadCount).toBe(0);
      expect((await fx.store.listConversations(d.id)).map((x) => x.type)).toEqual(['direct']);
    });
  });
}
