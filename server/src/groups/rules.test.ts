import { describe, expect, it } from 'vitest';
import type { GroupMemberRecord } from '../store/store.ts';
import { coverage, coveredUpTo, decide, initialMembers, withAnAdmin } from './rules.ts';

const m = (userId: string, role: 'admin' | 'member', sinceSeq: number): GroupMemberRecord => ({ userId, role, sinceSeq });

describe('group rules', () => {
  it('a new group: creator admin, others members, once each; 2..256 in all', () => {
    expect(initialMembers('a', ['b', 'a', 'c', 'b']).members).toEqual([m('a', 'admin', 1), m('b', 'member', 1), m('c', 'member', 1)]);
    expect(() => initialMembers('a', ['a'])).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => initialMembers('a', Array.from({ length: 256 }, (_, i) => `u${i}`))).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(initialMembers('a', Array.from({ length: 255 }, (_, i) => `u${i}`)).members).toHaveLength(256);
  });

  it('only admins rename and add; anyone leaves; admins remove others', () => {
    const members = [m('a', 'admin', 1), m('b', 'member', 1)];
    expect(() => decide(members, 'b', { kind: 'rename', title: 'x' }, 't', 5)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() => decide(members, 'b', { kind: 'add', userIds: ['c'] }, 't', 5)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() => decide(members, 'b', { kind: 'remove', userId: 'a' }, 't', 5)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() => decide(members, 'z', { kind: 'remove', userId: 'z' }, 't', 5)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(decide(members, 'b', { kind: 'remove', userId: 'b' }, 't', 5)).toMatchObject({ kind: 'change', event: { kind: 'member-left', actorId: 'b', userIds: ['b'] } });
    expect(decide(members, 'a', { kind: 'remove', userId: 'b' }, 't', 5)).toMatchObject({ kind: 'change', event: { kind: 'member-removed', actorId: 'a', userIds: ['b'] } });
    expect(decide(members, 'a', { kind: 'add', userIds: ['b', 'c', 'c'] }, 't', 5)).toEqual({
      kind: 'change',
      members: [...members, m('c', 'member', 5)],
      event: { kind: 'members-added', actorId: 'a', userIds: ['c'] },
    });
  });

  it('a change that changes nothing is none: same title, members already in, a non-member removed', () => {
    const members = [m('a', 'admin', 1), m('b', 'member', 1)];
    expect(decide(members, 'a', { kind: 'rename', title: 't' }, 't', 5)).toEqual({ kind: 'none' });
    expect(decide(members, 'a', { kind: 'add', userIds: ['b'] }, 't', 5)).toEqual({ kind: 'none' });
    expect(decide(members, 'a', { kind: 'remove', userId: 'c' }, 't', 5)).toEqual({ kind: 'none' });
  });

  it('the 257th member is refused, and nobody of that add is added', () => {
    const members = [m('a', 'admin', 1), ...Array.from({ length: 254 }, (_, i) => m(`u${i}`, 'member', 1))];
    expect(decide(members, 'a', { kind: 'add', userIds: ['x'] }, 't', 9)).toMatchObject({ kind: 'change' });
    expect(() => decide(members, 'a', { kind: 'add', userIds: ['x', 'y', 'z'] }, 't', 9)).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });

  it('make admin: admins only, members only, once', () => {
    const members = [m('a', 'admin', 1), m('b', 'member', 1)];
    expect(() => decide(members, 'b', { kind: 'promote', userId: 'b' }, 't', 5)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() => decide(members, 'a', { kind: 'promote', userId: 'z' }, 't', 5)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(decide(members, 'a', { kind: 'promote', userId: 'b' }, 't', 5)).toEqual({
      kind: 'change',
      members: [m('a', 'admin', 1), m('b', 'admin', 1)],
      event: { kind: 'member-promoted', actorId: 'a', userIds: ['b'] },
    });
    expect(decide(members, 'a', { kind: 'promote', userId: 'a' }, 't', 5)).toEqual({ kind: 'none' });
  });

  it('the last admin leaving promotes the oldest member', () => {
    const members = [m('a', 'admin', 1), m('c', 'member', 7), m('b', 'member', 3), m('d', 'member', 3)];
    const d = decide(members, 'a', { kind: 'remove', userId: 'a' }, 't', 9);
    expect(d.kind === 'change' && d.members.filter((x) => x.role === 'admin').map((x) => x.userId)).toEqual(['b']);
    // The event names whom it promoted (devices apply it, not their own guess); removed by another admin too.
    expect(d.kind === 'change' && d.event).toEqual({ kind: 'member-left', actorId: 'a', userIds: ['a'], promotedIds: ['b'] });
    // With another admin left, nobody is promoted, and the event says so: a device that lacks the
    // other admin's promotion must not guess one (sync-protocol local/group-state.ts).
    const two = decide([m('a', 'admin', 1), m('b', 'admin', 1), m('c', 'member', 2)], 'a', { kind: 'remove', userId: 'a' }, 't', 9);
    expect(two.kind === 'change' && two.event).toEqual({ kind: 'member-left', actorId: 'a', userIds: ['a'], promotedIds: [] });
    const removed = decide([m('a', 'admin', 1), m('b', 'admin', 1), m('c', 'member', 2)], 'a', { kind: 'remove', userId: 'c' }, 't', 9);
    expect(removed.kind === 'change' && removed.event).toEqual({ kind: 'member-removed', actorId: 'a', userIds: ['c'], promotedIds: [] });
    expect(withAnAdmin([])).toEqual([]);
  });

  it('coverage: a message is covered when every other member has reached it', () => {
    const c = coverage([['a', 3], ['b', 7], ['c', 5]]);
    expect(c).toEqual({ lowest: 3, holder: 'a', second: 5 });
    expect(coveredUpTo(c, 'a')).toBe(5); // a's own messages wait for b and c only
    expect(coveredUpTo(c, 'b')).toBe(3);
    expect(coverage([['a', 4], ['b', 4]])).toEqual({ lowest: 4, holder: 'a', second: 4 });
    expect(coveredUpTo(coverage([['a', 2]]), 'a')).toBe(Infinity);
  });
});
