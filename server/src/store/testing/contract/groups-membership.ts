import { describe, expect, it } from 'vitest';
import type { GroupMemberRecord } from '../../store.ts';
import type { ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/** changeGroup: who may do what, its system messages, idempotency, and the last admin (groups/rules.ts). */
export function describeGroupMembershipContract(fx: ContractFixture, g: GroupFixture): void {
  const { user } = fx;

  describe('changeGroup', () => {
    it('only an admin renames, adds or removes; a refused change writes nothing', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c], 'Before');
      const before = await fx.store.getGroup(id);
      await g.rejects(g.change(b, id, { kind: 'rename', title: 'Mine now' }), 'FORBIDDEN');
      await g.rejects(g.change(b, id, { kind: 'add', userIds: [d.id] }), 'FORBIDDEN');
      await g.rejects(g.change(b, id, { kind: 'remove', userId: c.id }), 'FORBIDDEN');
      await g.rejects(g.change(d, id, { kind: 'rename', title: 'Outsider' }), 'FORBIDDEN');
      await g.rejects(g.change(a, 'g:00000000-0000-7000-8000-000000000000', { kind: 'rename', title: 'x' }), 'NOT_FOUND');
      expect(await fx.store.getGroup(id)).toEqual(before);
      expect(await g.historyOf(id, a)).toHaveLength(1);
    });

    it('rename: a title-changed message with the next seq; the same title again changes nothing', async () => {
      const [a, b] = [await user(), await user()];
      const { id } = await g.group(a, [b], 'Old');
      const outcome = await g.change(a, id, { kind: 'rename', title: 'New' });
      expect(outcome.created).toBe(true);
      expect(outcome.group).toMatchObject({ title: 'New', lastSeq: 2 });
      expect(outcome.message).toMatchObject({
        seq: 2, type: 'system', senderId: a.id, conversationId: id, recipientId: id, status: 'sent',
        system: { kind: 'title-changed', actorId: a.id, title: 'New' },
      });
      expect(await fx.store.getGroup(id)).toEqual(outcome.group);
      const same = await g.change(a, id, { kind: 'rename', title: 'New' });
      expect(same).toEqual({ group: outcome.group, message: null, created: false, settled: [] });
      expect((await g.historyOf(id, b)).map((m) => m.seq)).toEqual([1, 2]);
    });

    it('add: new members since the seq of the members-added message; present ones are left out; unknown users add nobody', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(a, [b]);
      await g.rejects(g.change(a, id, { kind: 'add', userIds: [c.id, 'no-such-user'] }), 'NOT_FOUND');
      expect(await fx.store.memberPeriods(id, c.id)).toEqual([]);
      expect((await fx.store.getGroup(id))!.lastSeq).toBe(1);

      const outcome = await g.change(a, id, { kind: 'add', userIds: [b.id, c.id, d.id, c.id] });
      expect(outcome.message).toMatchObject({ seq: 2, type: 'system', system: { kind: 'members-added', actorId: a.id, userIds: [c.id, d.id] } });
      const bySeqThenId = (x: GroupMemberRecord, y: GroupMemberRecord) => x.sinceSeq - y.sinceSeq || (x.userId < y.userId ? -1 : 1);
      // Members with the same sinceSeq come in no particular order.
      expect(outcome.group.members.filter((m) => m.userId === c.id || m.userId === d.id).sort(bySeqThenId)).toEqual(
        [
          { userId: c.id, role: 'member' as const, sinceSeq: 2 },
          { userId: d.id, role: 'member' as const, sinceSeq: 2 },
        ].sort(bySeqThenId),
      );
      expect(outcome.group.members.find((m) => m.userId === a.id)).toEqual({ userId: a.id, role: 'admin', sinceSeq: 1 });
      // Oldest first.
      expect(outcome.group.members.map((m) => m.sinceSeq)).toEqual([1, 1, 2, 2]);
      expect(await g.change(a, id, { kind: 'add', userIds: [b.id, c.id] })).toEqual({ group: outcome.group, message: null, created: false, settled: [] });
      // The newcomer sees the group from its addition on.
      expect((await g.historyOf(id, d)).map((m) => m.seq)).toEqual([2]);
      expect(await fx.store.memberPeriods(id, d.id)).toEqual([{ fromSeq: 2, toSeq: null }]);
    });

    it('remove and leave: the period closes at the removal message; removing a non-member changes nothing', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(a, [b, c]);
      const removed = await g.changed(a, id, { kind: 'remove', userId: b.id });
      expect(removed).toMatchObject({ seq: 2, system: { kind: 'member-removed', actorId: a.id, userIds: [b.id] } });
      const left = await g.changed(c, id, { kind: 'remove', userId: c.id });
      expect(left).toMatchObject({ seq: 3, senderId: c.id, system: { kind: 'member-left', actorId: c.id, userIds: [c.id] } });
      expect(await fx.store.memberPeriods(id, b.id)).toEqual([{ fromSeq: 1, toSeq: 2 }]);
      expect(await fx.store.memberPeriods(id, c.id)).toEqual([{ fromSeq: 1, toSeq: 3 }]);
      expect(g.ids((await fx.store.getGroup(id))!.members.map((m) => ({ id: m.userId })))).toEqual([a.id]);
      const none = await g.change(a, id, { kind: 'remove', userId: d.id });
      expect(none.message).toBeNull();
      expect(none.created).toBe(false);
      // A former member is no longer allowed to change anything, not even to leave again.
      await g.rejects(g.change(b, id, { kind: 'remove', userId: b.id }), 'FORBIDDEN');
    });

    it('a change is applied once per actor and clientId: a retry returns the stored message and the group as it is now', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b]);
      const first = await g.change(a, id, { kind: 'add', userIds: [c.id] }, 'add-once-1');
      await g.change(a, id, { kind: 'rename', title: 'Later' });
      await g.change(a, id, { kind: 'remove', userId: c.id });
      const retry = await g.change(a, id, { kind: 'add', userIds: [c.id] }, 'add-once-1');
      expect(retry.created).toBe(false);
      expect(retry.message).toEqual(first.message);
      expect(retry.group).toEqual(await fx.store.getGroup(id));
      expect(retry.group.members.map((m) => m.userId)).not.toContain(c.id);
      const racing = await Promise.all(Array.from({ length: 5 }, () => g.change(a, id, { kind: 'rename', title: 'Race' }, 'rename-race-1')));
      expect(racing.filter((o) => o.created)).toHaveLength(1);
      expect(new Set(racing.map((o) => o.message!.id)).size).toBe(1);
      expect((await g.historyOf(id, a)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    });

    it('the last admin leaving promotes the oldest member; an admin may remove another admin', async () => {
      const [a, b, c, d] = [await user(), await user(), await user(), await user()];
      const { id } = await g.group(a, [b]);
      await g.changed(a, id, { kind: 'add', userIds: [c.id] });
      await g.changed(a, id, { kind: 'add', userIds: [d.id] });
      const roles = async () => Object.fromEntries((await fx.store.getGroup(id))!.members.map((m) => [m.userId, m.role]));

      await g.changed(a, id, { kind: 'remove', userId: a.id });
      expect(await roles()).toEqual({ [b.id]: 'admin', [c.id]: 'member', [d.id]: 'member' });
      // The promoted member has every admin right.
      await g.changed(b, id, { kind: 'rename', title: 'Run by b' });
      await g.changed(b, id, { kind: 'remove', userId: b.id });
      expect(await roles()).toEqual({ [c.id]: 'admin', [d.id]: 'member' });
      await g.changed(c, id, { kind: 'add', userIds: [a.id] });
      expect((await fx.store.getGroup(id))!.members.find((m) => m.userId === a.id)).toEqual({ userId: a.id, role: 'member', sinceSeq: 7 });
    });
  });
}
