import { describe, expect, it } from 'vitest';
import type { ContactsRecord, Store } from '../../store.ts';
import type { ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/**
 * contactsOf: who a user shares a conversation with now (the presence audience, a socket's
 * group rooms). It must say what listConversations says of the peers and current groups.
 */
export function describeContactsContract(fx: ContractFixture, g: GroupFixture): void {
  const { user, send } = fx;

  /** Order-free form: peers sorted, groups by id with sorted members. */
  const normal = (r: ContactsRecord) => ({
    peerIds: [...r.peerIds].sort(),
    groups: r.groups.map((x) => ({ id: x.id, memberIds: [...x.memberIds].sort() })).sort((x, y) => (x.id < y.id ? -1 : 1)),
  });

  /** The same, derived from the user's conversation list. */
  async function fromList(store: Store, userId: string) {
    const list = await store.listConversations(userId);
    return normal({
      peerIds: list.flatMap((c) => (c.type === 'direct' && c.peerId !== null ? [c.peerId] : [])),
      groups: list
        .filter((c) => c.type === 'group' && c.members.some((m) => m.userId === userId))
        .map((c) => ({ id: c.id, memberIds: c.members.map((m) => m.userId) })),
    });
  }

  describe('contactsOf', () => {
    it('the peers of the 1:1 conversations and the current groups with their current members, as the list says', async () => {
      const [a, b, c, d, e, f] = [await user(), await user(), await user(), await user(), await user(), await user()];
      await send(a, b, 'ab');
      await send(b, a, 'ba');
      await send(c, a, 'ca');
      await send(e, f, 'ef');
      const g1 = await g.group(a, [b, d]);
      await g.changed(a, g1.id, { kind: 'promote', userId: b.id }); // b stays a member, now an admin
      const g2 = await g.group(e, [a, f]);
      await g.changed(e, g2.id, { kind: 'remove', userId: a.id }); // a is a former member of g2
      const g3 = await g.group(d, [a, e]);
      await g.changed(d, g3.id, { kind: 'add', userIds: [f.id] });
      await g.changed(d, g3.id, { kind: 'rename', title: 'renamed' });
      await g.gsend(e, g3.id, 'in g3');
      // c leaves g4 and is added back: a current member again
      const g4 = await g.group(b, [c]);
      await g.changed(c, g4.id, { kind: 'remove', userId: c.id });
      await g.changed(b, g4.id, { kind: 'add', userIds: [c.id] });

      const ids = (...users: { id: string }[]) => users.map((u) => u.id).sort();
      const group = (id: string, ...members: { id: string }[]) => ({ id, memberIds: ids(...members) });
      const sorted = <T extends { id: string }>(xs: T[]) => xs.sort((x, y) => (x.id < y.id ? -1 : 1));

      expect(normal(await fx.store.contactsOf(a.id))).toEqual({ peerIds: ids(b, c), groups: sorted([group(g1.id, a, b, d), group(g3.id, a, d, e, f)]) });
      expect(normal(await fx.store.contactsOf(f.id))).toEqual({ peerIds: ids(e), groups: sorted([group(g2.id, e, f), group(g3.id, a, d, e, f)]) });
      expect(normal(await fx.store.contactsOf(c.id))).toEqual({ peerIds: ids(a), groups: [group(g4.id, b, c)] });
      for (const u of [a, b, c, d, e, f]) expect(normal(await fx.store.contactsOf(u.id)), u.username).toEqual(await fromList(fx.store, u.id));
      expect(normal(await fx.store.contactsOf(b.id)).groups).toEqual(sorted([group(g1.id, a, b, d), group(g4.id, b, c)]));
      expect(await fx.store.memberPeriods(g1.id, b.id)).toEqual([{ fromSeq: 1, toSeq: null }]);
    });

    it('a member removed from their only group, a user without conversations and an unknown user have none', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b]);
      await g.changed(a, id, { kind: 'remove', userId: b.id });
      expect(await fx.store.contactsOf(b.id)).toEqual({ peerIds: [], groups: [] });
      expect(await fx.store.contactsOf(c.id)).toEqual({ peerIds: [], groups: [] });
      expect(await fx.store.contactsOf('no-such-user')).toEqual({ peerIds: [], groups: [] });
      expect(normal(await fx.store.contactsOf(a.id))).toEqual({ peerIds: [], groups: [{ id, memberIds: [a.id] }] });
    });

    it('a peer is listed once however many messages the conversation holds', async () => {
      const [a, b] = [await user(), await user()];
      await fx.sendMany(a, b, 40);
      await send(b, a, 'back');
      expect(await fx.store.contactsOf(a.id)).toEqual({ peerIds: [b.id], groups: [] });
      expect(await fx.store.contactsOf(b.id)).toEqual({ peerIds: [a.id], groups: [] });
    });
  });
}
