import { describe, expect, it } from 'vitest';
import type { ContactsRecord, GroupRecord } from '../store/store.ts';
import { isGroupId, Memberships } from './memberships.ts';

const group = (id: string, members: string[]): GroupRecord => ({
  id,
  title: 't',
  createdBy: members[0]!,
  createdAt: '',
  lastSeq: 1,
  members: members.map((userId, i) => ({ userId, role: i === 0 ? 'admin' : 'member', sinceSeq: 1 })),
});

function setup() {
  const groups = new Map<string, GroupRecord>([['g:1', group('g:1', ['a', 'b'])]]);
  const reads = { group: 0, list: 0 };
  const store = {
    getGroup: async (id: string) => (reads.group++, groups.get(id) ?? null),
    memberPeriods: async (id: string, userId: string) => (id === 'g:1' && userId === 'gone' ? [{ fromSeq: 1, toSeq: 2 }] : []),
    contactsOf: async (userId: string): Promise<ContactsRecord> => {
      reads.list++;
      // The groups the user is a current member of (a former member's are not among them).
      const current = [...groups.values()].filter((g) => g.members.some((m) => m.userId === userId));
      return { peerIds: [], groups: current.map((g) => ({ id: g.id, memberIds: g.members.map((m) => m.userId) })) };
    },
  };
  return { groups, reads, memberships: new Memberships({ store }) };
}

describe('Memberships', () => {
  it('tells group ids from direct ones', () => {
    expect(isGroupId('g:0190-abc')).toBe(true);
    expect(isGroupId('dm:a:b')).toBe(false);
  });

  it('caches groups and a user’s current groups until a change names them', async () => {
    const { groups, reads, memberships } = setup();
    expect(await memberships.isMember('g:1', 'b')).toBe(true);
    expect(await memberships.isMember('g:1', 'c')).toBe(false);
    expect(await memberships.groupsOf('b')).toEqual(['g:1']);
    expect(await memberships.groupsOf('gone')).toEqual([]); // a former member of g:1
    expect(reads).toEqual({ group: 1, list: 2 });
    expect(await memberships.isOrWasMember('g:1', 'gone')).toBe(true);
    expect(await memberships.isOrWasMember('g:1', 'stranger')).toBe(false);

    groups.set('g:1', group('g:1', ['a', 'c']));
    const before = memberships.version('c');
    memberships.changed('g:1', ['b', 'c']);
    expect(memberships.version('c')).toBe(before + 1);
    expect(await memberships.isMember('g:1', 'c')).toBe(true);
    expect(await memberships.groupsOf('b')).toEqual([]);
    expect(reads).toEqual({ group: 2, list: 3 });
  });

  it('never asks the store about a direct conversation, and forgets a failed read', async () => {
    let fail = true;
    const memberships = new Memberships({
      store: {
        getGroup: async () => {
          if (fail) throw new Error('down');
          return group('g:1', ['a', 'b']);
        },
        contactsOf: async () => ({ peerIds: [], groups: [] }),
        memberPeriods: async () => [],
      },
    });
    expect(await memberships.group('dm:a:b')).toBeNull();
    await expect(memberships.group('g:1')).rejects.toThrow('down');
    fail = false;
    expect(await memberships.isMember('g:1', 'a')).toBe(true);
  });
});
