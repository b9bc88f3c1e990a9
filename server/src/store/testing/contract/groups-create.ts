import { describe, expect, it } from 'vitest';
import type { UserRecord } from '../../store.ts';
import { ISO_RE, type ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/** createGroup, getGroup and the group-created message (docs/architecture.md, "Groups"). */
export function describeGroupCreationContract(fx: ContractFixture, g: GroupFixture): void {
  const { user } = fx;
  const at = '2027-01-02T03:04:05.000Z';

  describe('createGroup', () => {
    it('creates a group: a g: id, the creator its admin, every member since seq 1, its group-created message at seq 1', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      // The creator may be named, and a member twice: each is a member once.
      const outcome = await fx.store.createGroup({ creatorId: a.id, clientId: 'create-0001', title: 'Trip', memberIds: [b.id, c.id, a.id, b.id], at });
      expect(outcome.created).toBe(true);
      const { group, message } = outcome;
      expect(group.id).toMatch(/^g:[0-9a-f-]{36}$/);
      expect(group).toMatchObject({ title: 'Trip', createdBy: a.id, createdAt: at, lastSeq: 1 });
      expect([...group.members].sort((x, y) => (x.userId < y.userId ? -1 : 1))).toEqual(
        [
          { userId: a.id, role: 'admin', sinceSeq: 1 },
          { userId: b.id, role: 'member', sinceSeq: 1 },
          { userId: c.id, role: 'member', sinceSeq: 1 },
        ].sort((x, y) => (x.userId < y.userId ? -1 : 1)),
      );
      // Every member's positions start at seq 1, so the creation is delivered and read by all at once.
      expect(message).toMatchObject({
        clientId: 'create-0001',
        conversationId: group.id,
        senderId: a.id,
        recipientId: group.id,
        seq: 1,
        type: 'system',
        status: 'read',
        system: { kind: 'group-created', actorId: a.id, userIds: [b.id, c.id], title: 'Trip' },
      });
      expect(message!.createdAt).toMatch(ISO_RE);

      expect(await fx.store.getGroup(group.id)).toEqual(group);
      expect(await fx.store.getMessage(message!.id)).toEqual(message);
      expect(await g.historyOf(group.id, b)).toEqual([message]);
      expect(await fx.store.memberPeriods(group.id, c.id)).toEqual([{ fromSeq: 1, toSeq: null }]);
      for (const u of [a, b, c]) expect((await g.feed(u)).messages).toEqual([message]);
    });

    it('is idempotent by creator and clientId, also when retried concurrently', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const request = { creatorId: a.id, clientId: 'create-once-1', title: 'Once', memberIds: [b.id], at };
      const first = await fx.store.createGroup(request);
      const again = await fx.store.createGroup({ ...request, title: 'Changed on retry', memberIds: [b.id, c.id] });
      expect(again).toEqual({ ...first, created: false });

      const racing = await Promise.all(Array.from({ length: 6 }, () => fx.store.createGroup({ ...request, clientId: 'create-race-1' })));
      expect(racing.filter((o) => o.created)).toHaveLength(1);
      expect(new Set(racing.map((o) => o.group.id)).size).toBe(1);
      expect(new Set(racing.map((o) => o.message!.id)).size).toBe(1);

      const groups = (await fx.store.listConversations(b.id)).filter((x) => x.type === 'group');
      expect(groups.map((x) => x.id).sort()).toEqual([first.group.id, racing[0]!.group.id].sort());
      // The same clientId from another creator is another group.
      const other = await fx.store.createGroup({ ...request, creatorId: b.id, memberIds: [a.id] });
      expect(other.created).toBe(true);
      expect(other.group.id).not.toBe(first.group.id);
    });

    it('NOT_FOUND when a member is not a user, and nothing is stored', async () => {
      const [a, b] = [await user(), await user()];
      const request = { creatorId: a.id, clientId: 'create-unknown-1', title: 'Nope', memberIds: [b.id, 'no-such-user'], at };
      await g.rejects(fx.store.createGroup(request), 'NOT_FOUND');
      expect(await fx.store.listConversations(a.id)).toEqual([]);
      expect(await fx.store.listConversations(b.id)).toEqual([]);
      expect((await fx.store.changesSince(b.id, 0, 10)).messages).toEqual([]);
      // The clientId was not used up: the corrected request creates the group.
      expect((await fx.store.createGroup({ ...request, memberIds: [b.id] })).created).toBe(true);
    });

    it('VALIDATION below 2 and above 256 members (the creator included); 256 is fine', async () => {
      const a = await user();
      await g.rejects(fx.store.createGroup({ creatorId: a.id, clientId: 'alone-1', title: 'Alone', memberIds: [a.id], at }), 'VALIDATION');
      const others: UserRecord[] = [];
      for (let i = 0; i < 256; i++) others.push(await user());
      const ids = others.map((u) => u.id);
      await g.rejects(fx.store.createGroup({ creatorId: a.id, clientId: 'crowd-1', title: 'Crowd', memberIds: ids, at }), 'VALIDATION');
      expect(await fx.store.listConversations(a.id)).toEqual([]);

      const full = await fx.store.createGroup({ creatorId: a.id, clientId: 'crowd-2', title: 'Full', memberIds: ids.slice(0, 255), at });
      expect(full.group.members).toHaveLength(256);
      // Adding the 257th is refused too, and adds nobody.
      await g.rejects(g.change(a, full.group.id, { kind: 'add', userIds: [ids[255]!] }), 'VALIDATION');
      expect((await fx.store.getGroup(full.group.id))!.members).toHaveLength(256);
      expect((await fx.store.getGroup(full.group.id))!.lastSeq).toBe(1);
    });

    it('getGroup, memberPeriods and getMessage of what is not there', async () => {
      const [a, b] = [await user(), await user()];
      const m = await fx.send(a, b);
      expect(await fx.store.getGroup('g:00000000-0000-7000-8000-000000000000')).toBeNull();
      expect(await fx.store.getGroup(m.conversationId)).toBeNull();
      const { id } = await g.group(a, [b]);
      expect(await fx.store.memberPeriods(id, 'no-such-user')).toEqual([]);
      expect(await fx.store.memberPeriods('g:nothing', a.id)).toEqual([]);
      expect(await fx.store.getMessage('no-such-message')).toBeNull();
      expect(await fx.store.getMessage(m.id)).toEqual(m);
      expect(m.type).toBe('text');
    });
  });
}
