import { LIMITS, PigeonError, type SystemEvent } from '@pigeon/sync-protocol';
import type { GroupChange, GroupMemberRecord } from '../store/store.ts';

/**
 * The rules of a group, as pure functions of its current members: both stores call them
 * inside their commit, with the members they read there, so a rule and the write it allows
 * see the same state. They decide; the store writes.
 */

/** What a change does: the members after it and its system message (without seq), or nothing. */
export type Decision =
  | { kind: 'change'; members: GroupMemberRecord[]; event: SystemEvent; title?: string }
  | { kind: 'none' };

/** The members of a new group: the creator (admin) first, then the others in the order given, once each. */
export function initialMembers(creatorId: string, memberIds: readonly string[]): { members: GroupMemberRecord[]; others: string[] } {
  const others = [...new Set(memberIds)].filter((id) => id !== creatorId);
  const total = others.length + 1;
  if (total < 2) throw new PigeonError('VALIDATION', 'memberIds: a group needs at least one member besides its creator');
  if (total > LIMITS.groupMembersMax) {
    throw new PigeonError('VALIDATION', `memberIds: a group has at most ${LIMITS.groupMembersMax} members, the creator included`);
  }
  const members: GroupMemberRecord[] = [
    { userId: creatorId, role: 'admin', sinceSeq: 1 },
    ...others.map((userId) => ({ userId, role: 'member' as const, sinceSeq: 1 })),
  ];
  return { members, others };
}

/**
 * Decides a change by `actorId` on a group whose current members are `members`. `atSeq` is
 * the seq its system message will take (the new members' sinceSeq). Throws FORBIDDEN when
 * the actor may not make it, VALIDATION past the member limit.
 */
export function decide(members: readonly GroupMemberRecord[], actorId: string, change: GroupChange, currentTitle: string, atSeq: number): Decision {
  const actor = members.find((m) => m.userId === actorId);
  if (!actor) throw new PigeonError('FORBIDDEN', 'not a member of this group');
  switch (change.kind) {
    case 'rename': {
      requireAdmin(actor);
      if (change.title === currentTitle) return { kind: 'none' };
      return { kind: 'change', members: [...members], event: { kind: 'title-changed', actorId, title: change.title }, title: change.title };
    }
    case 'add': {
      requireAdmin(actor);
      const present = new Set(members.map((m) => m.userId));
      const added = [...new Set(change.userIds)].filter((id) => !present.has(id));
      if (added.length === 0) return { kind: 'none' };
      if (members.length + added.length > LIMITS.groupMembersMax) {
        throw new PigeonError('VALIDATION', `userIds: a group has at most ${LIMITS.groupMembersMax} members`);
      }
      const next = [...members, ...added.map((userId) => ({ userId, role: 'member' as const, sinceSeq: atSeq }))];
      return { kind: 'change', members: next, event: { kind: 'members-added', actorId, userIds: added } };
    }
    case 'promote': {
      requireAdmin(actor);
      const target = members.find((m) => m.userId === change.userId);
      if (!target) throw new PigeonError('NOT_FOUND', 'userId: not a member of this group');
      if (target.role === 'admin') return { kind: 'none' };
      const next = members.map((m) => (m === target ? { ...m, role: 'admin' as const } : m));
      return { kind: 'change', members: next, event: { kind: 'member-promoted', actorId, userIds: [change.userId] } };
    }
    case 'remove': {
      const leaving = change.userId === actorId;
      if (!leaving) requireAdmin(actor);
      if (!members.some((m) => m.userId === change.userId)) return { kind: 'none' };
      const remaining = members.filter((m) => m.userId !== change.userId);
      const next = withAnAdmin(remaining);
      // Whoever withAnAdmin promoted is named in the event, and nobody (`[]`) when an admin is left:
      // the devices apply it as a fact and guess nothing (sync-protocol local/group-state.ts).
      const promotedIds = next.filter((m, i) => m.role === 'admin' && remaining[i]!.role !== 'admin').map((m) => m.userId);
      const event: SystemEvent = leaving
        ? { kind: 'member-left', actorId, userIds: [actorId], promotedIds }
        : { kind: 'member-removed', actorId, userIds: [change.userId], promotedIds };
      return { kind: 'change', members: next, event };
    }
  }
}

/** A group never loses its last admin: the oldest remaining member (smallest sinceSeq, then id) is promoted. */
export function withAnAdmin(members: readonly GroupMemberRecord[]): GroupMemberRecord[] {
  if (members.length === 0 || members.some((m) => m.role === 'admin')) return [...members];
  const oldest = [...members].sort((a, b) => a.sinceSeq - b.sinceSeq || (a.userId < b.userId ? -1 : 1))[0]!;
  return members.map((m) => (m === oldest ? { ...m, role: 'admin' as const } : m));
}

function requireAdmin(actor: GroupMemberRecord): void {
  if (actor.role !== 'admin') throw new PigeonError('FORBIDDEN', 'only an admin of this group may do that');
}

/**
 * A group message is delivered (read) once every current member other than its sender has a
 * delivered (read) position at or past its seq (docs/architecture.md, "Groups"). So the whole
 * group's state for one kind is two numbers: the lowest position and the lowest among the
 * others than the member holding it. A message of seq s by sender S is covered iff
 * s ≤ `coveredUpTo(t, S)`; no scan of the members per message.
 */
export interface Coverage {
  lowest: number;
  /** Who holds `lowest` (one of them if several do: then `second` equals `lowest`). */
  holder: string | null;
  /** The lowest position among everyone but `holder`; Infinity with a single member. */
  second: number;
}

/** `positions`: each current member's position of one kind (delivered or read). */
export function coverage(positions: Iterable<readonly [userId: string, position: number]>): Coverage {
  let lowest = Infinity;
  let holder: string | null = null;
  let second = Infinity;
  for (const [userId, position] of positions) {
    if (position < lowest) {
      second = lowest;
      lowest = position;
      holder = userId;
    } else if (position < second) {
      second = position;
    }
  }
  return { lowest, holder, second };
}

/** The highest seq of a message by `senderId` that every other member's position covers. */
export function coveredUpTo(c: Coverage, senderId: string): number {
  return senderId === c.holder ? c.second : c.lowest;
}
