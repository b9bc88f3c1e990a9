/**
 * A group's title and members as the device knows them, derived from what the server said:
 * system messages (`group-created`, `members-added`, `member-removed`, `member-left`,
 * `title-changed`, `member-promoted`) and snapshots (`GET /api/conversations/:id`, the answer to a change).
 * Pure functions, no I/O: the transactions that store server copies call them.
 *
 * Why "last writer by seq" per user and for the title, rather than replaying events in order:
 * copies reach a device in any order (a live event before the catch-up page holding an older
 * one, a history page after both), and a member added later never sees what happened before
 * their period. Each user's membership is decided by the highest seq that spoke about them
 * (an event naming them, or a snapshot taken at a seq), so applying the same facts in any
 * order gives the same state, and re-applying one changes nothing. That equals the server's
 * state replayed in seq order, except for what the device cannot see (changes outside its
 * periods): those come with a snapshot, which is fetched whenever the state is not `known`.
 *
 * The device's own changes still waiting for the server are not part of this state: they are
 * overlaid on it for display (`overlayPending`), so a change the server refuses disappears by
 * itself (its row is `failed`, not pending) and nothing has to be reverted.
 */
import type { Member, MemberRole } from '../../model/group.ts';
import type { SystemEvent } from '../../model/system-event.ts';

export interface GroupMember {
  userId: string;
  role: MemberRole;
  /** The seq that (last) made them a member: the oldest member is promoted when the last admin leaves. */
  sinceSeq: number;
}

export interface GroupState {
  title: string;
  /** The seq the title was last decided at (0: never). */
  titleSeq: number;
  /** Current members, oldest first. */
  members: GroupMember[];
  /** Per user, members and former members: the seq of the last event or snapshot that decided their membership. */
  decidedAt: Record<string, number>;
  /**
   * The title and the members are complete: the device holds the group's creation or a snapshot
   * taken no earlier than just before our latest addition (being added again hides what happened
   * while we were away). Derived from `baseSeq` and `lastAddSeq`, so the order facts arrive in
   * does not matter: a creation applied after our later re-addition does not make it complete.
   */
  known: boolean;
  /** The newest seq the device holds a complete picture at: 1 for the creation, a snapshot's seq. 0: none. */
  baseSeq: number;
  /** The seq of our latest addition to the group (the creation counts when it names us). 0: none seen. */
  lastAddSeq: number;
  /**
   * The newest seq a snapshot with members was taken at (0 or absent: none). The server's state at
   * that seq already holds every event up to it, about every user, listed or not: an event at or
   * below it that reaches the device later decides nothing (see applyEvent).
   */
  snapshotSeq?: number;
  /**
   * A leave or removal whose event does not say whom the server promoted (no `promotedIds`: stored by
   * a server before that field) was applied: the device then applies the server's rule itself (the
   * oldest member becomes admin when none is left; `withAnAdmin`). Absent or false: every handover
   * is a fact the server named, and the device never guesses one. A guess is only right on a state
   * holding every fact before the leave, and copies come in any order (a catch-up from the start goes
   * by the change feed, not by seq): a leave applied before an older promotion guessed an admin the
   * server never made, who stayed one (chaos seed 7002).
   */
  unsaidHandover?: boolean;
}

export const emptyGroupState = (): GroupState => ({ title: '', titleSeq: 0, members: [], decidedAt: {}, known: false, baseSeq: 0, lastAddSeq: 0, snapshotSeq: 0 });

/** Complete when the base reaches to our latest period: only seqs outside our periods are invisible. */
const isKnown = (s: Pick<GroupState, 'baseSeq' | 'lastAddSeq'>): boolean => s.baseSeq > 0 && s.baseSeq >= s.lastAddSeq - 1;

/** A state stored before baseSeq/lastAddSeq existed: a complete one was complete up to all it had heard. */
function withPositions(state: GroupState): GroupState {
  if (state.baseSeq !== undefined && state.lastAddSeq !== undefined) return state;
  const heard = Math.max(1, state.titleSeq, ...Object.values(state.decidedAt));
  return { ...state, baseSeq: state.known ? heard : 0, lastAddSeq: 0 };
}

/** The state after the server's system message of `seq` (idempotent, order-independent per user). */
export function applyEvent(state: GroupState, seq: number, event: SystemEvent, me: string): GroupState {
  state = withPositions(state);
  const next: GroupState = { ...state, members: [...state.members], decidedAt: { ...state.decidedAt } };
  const addsMe = () => void (next.lastAddSeq = Math.max(next.lastAddSeq, seq));
  const decide = (userId: string, member: GroupMember | null) => {
    // Not only the users a snapshot listed: one taken after a removal we never saw (we were away)
    // does not name the former member, and the creation arriving after it must not bring them
    // back (chaos seed 3, clean-clone CI of 2efcaff: the conversation list's snapshot came before
    // the catch-up's pages).
    if (Math.max(next.decidedAt[userId] ?? 0, next.snapshotSeq ?? 0) >= seq) return;
    next.decidedAt[userId] = seq;
    next.members = next.members.filter((m) => m.userId !== userId);
    if (member) next.members.push(member);
  };
  // Whoever is promoted is a member at that seq, now an admin (the server checked both).
  const promote = (userId: string) => {
    const current = state.members.find((m) => m.userId === userId);
    decide(userId, { userId, role: 'admin', sinceSeq: current?.sinceSeq ?? seq });
  };
  switch (event.kind) {
    case 'group-created':
      decide(event.actorId, { userId: event.actorId, role: 'admin', sinceSeq: seq });
      for (const userId of event.userIds ?? []) decide(userId, { userId, role: 'member', sinceSeq: seq });
      setTitle(next, seq, event.title);
      if (event.actorId === me || (event.userIds ?? []).includes(me)) addsMe();
      // The creation names every first member: from here on, events keep the state complete.
      if (seq === 1) next.baseSeq = Math.max(next.baseSeq, 1);
      break;
    case 'members-added':
      for (const userId of event.userIds ?? []) {
        // Added again after a removal: what happened while we were away is invisible to us.
        if (userId === me) addsMe();
        decide(userId, { userId, role: 'member', sinceSeq: seq });
      }
      break;
    case 'member-removed':
    case 'member-left':
      for (const userId of event.userIds ?? []) decide(userId, null);
      // The server says whom it promoted (none: `[]`): a fact of this seq, like a promotion. Older
      // servers do not say: then withAnAdmin below guesses it by the server's rule.
      if (event.promotedIds === undefined) next.unsaidHandover = true;
      for (const userId of event.promotedIds ?? []) promote(userId);
      break;
    case 'title-changed':
      setTitle(next, seq, event.title);
      break;
    case 'member-promoted':
      for (const userId of event.userIds ?? []) promote(userId);
      break;
  }
  next.members = sortMembers(next.members);
  next.known = isKnown(next);
  // A group never lacks an admin on the server; with part of the members unknown we cannot tell who
  // it is. Guessed only for a server that does not say (see `unsaidHandover`).
  if (next.known && next.unsaidHandover) next.members = withAnAdmin(next.members);
  return next;
}

/**
 * The state after a snapshot of the server's conversation taken when its last seq was `atSeq`:
 * it decides every user it can speak for (nothing newer was heard about them) and the title.
 * A former member is shown no members (the answer to our own leave, say): that snapshot speaks
 * for nobody, so it gives the title only, and is no complete picture. Taken for one, it removed
 * everyone at its seq and made the group known, and when we were added back right after, the
 * others stayed removed (chaos seed 1, clean-clone CI of 977c1cb).
 */
export function applySnapshot(state: GroupState, snapshot: { title: string; members: readonly Member[] }, atSeq: number): GroupState {
  state = withPositions(state);
  if (snapshot.members.length === 0) return state.titleSeq <= atSeq ? { ...state, title: snapshot.title, titleSeq: atSeq } : state;
  const next: GroupState = {
    ...state,
    members: [...state.members],
    decidedAt: { ...state.decidedAt },
    baseSeq: Math.max(state.baseSeq, atSeq),
    snapshotSeq: Math.max(state.snapshotSeq ?? 0, atSeq),
  };
  const listed = new Map(snapshot.members.map((m) => [m.userId, m]));
  const users = new Set([...listed.keys(), ...state.members.map((m) => m.userId)]);
  for (const userId of users) {
    if ((next.decidedAt[userId] ?? 0) > atSeq) continue;
    next.decidedAt[userId] = atSeq;
    const current = next.members.find((m) => m.userId === userId);
    next.members = next.members.filter((m) => m.userId !== userId);
    const member = listed.get(userId);
    // The server's sinceSeq when it says it: a member from before our period has no event of ours
    // to date them, and dated at the snapshot they looked younger than us (withAnAdmin).
    if (member) next.members.push({ userId, role: member.role, sinceSeq: member.sinceSeq ?? current?.sinceSeq ?? atSeq });
  }
  if (next.titleSeq <= atSeq) {
    next.title = snapshot.title;
    next.titleSeq = atSeq;
  }
  next.members = sortMembers(next.members);
  next.known = isKnown(next);
  // As after an event: a snapshot from before a newer leave we hold already (the last admin's, from a
  // server that does not say whom it promoted) leaves none.
  if (next.known && next.unsaidHandover) next.members = withAnAdmin(next.members);
  return next;
}

/**
 * What the UI shows: the server's state with the device's own changes still pending on top, in
 * the order they were made (a group created offline has nothing but its pending creation).
 */
export function overlayPending(state: GroupState, pending: readonly SystemEvent[], me: string): { title: string; members: Member[] } {
  let title = state.title;
  let members: GroupMember[] = state.members;
  for (const event of pending) {
    switch (event.kind) {
      case 'group-created':
        title = event.title ?? title;
        members = [{ userId: me, role: 'admin', sinceSeq: 0 }, ...(event.userIds ?? []).map((userId) => ({ userId, role: 'member' as const, sinceSeq: 0 }))];
        break;
      case 'title-changed':
        title = event.title ?? title;
        break;
      case 'members-added': {
        const present = new Set(members.map((m) => m.userId));
        const added = (event.userIds ?? []).filter((id) => !present.has(id));
        members = [...members, ...added.map((userId) => ({ userId, role: 'member' as const, sinceSeq: Number.MAX_SAFE_INTEGER }))];
        break;
      }
      case 'member-removed':
      case 'member-left': {
        const gone = new Set(event.userIds ?? []);
        members = withAnAdmin(members.filter((m) => !gone.has(m.userId)));
        break;
      }
      case 'member-promoted': {
        const promoted = new Set(event.userIds ?? []);
        members = members.map((m) => (promoted.has(m.userId) ? { ...m, role: 'admin' as const } : m));
        break;
      }
    }
  }
  return { title, members: members.map(({ userId, role }) => ({ userId, role })) };
}

export const isMember = (state: { members: readonly { userId: string }[] }, userId: string): boolean => state.members.some((m) => m.userId === userId);

/** The server's rule (server/src/groups/rules.ts): a group never loses its last admin; the oldest member is promoted. */
export function withAnAdmin(members: readonly GroupMember[]): GroupMember[] {
  if (members.length === 0 || members.some((m) => m.role === 'admin')) return [...members];
  const oldest = sortMembers(members)[0]!;
  return members.map((m) => (m === oldest ? { ...m, role: 'admin' as const } : m));
}

function setTitle(state: GroupState, seq: number, title: string | undefined): void {
  if (title === undefined || state.titleSeq >= seq) return;
  state.title = title;
  state.titleSeq = seq;
}

function sortMembers(members: readonly GroupMember[]): GroupMember[] {
  return [...members].sort((a, b) => a.sinceSeq - b.sinceSeq || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}
