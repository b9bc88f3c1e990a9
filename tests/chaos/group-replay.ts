/**
 * A group's history replayed from its system messages, independently of the server's code: the
 * members, roles and title after every seq, each user's membership periods, and the rules a
 * change must pass (docs/architecture.md "Groups", server/src/groups/rules.ts, restated here so
 * the chaos checks do not trust the code they judge). Pure.
 */
import type { Message } from '@pigeon/sync-protocol';

export interface GroupState {
  /** userId → role and the seq of the system message that made them a member this time. */
  members: Map<string, { role: 'admin' | 'member'; sinceSeq: number }>;
  title: string;
}

/** A user's membership period: the seqs from their addition to their removal, both included; `to` null while open. */
export interface Period {
  from: number;
  to: number | null;
}

export interface Replay {
  /** states[k]: the group after seq k (states[0]: before its creation, nobody). */
  states: GroupState[];
  periods: Map<string, Period[]>;
  /** Seq → why the message at it breaks the rules on the state before it (none: all legal). */
  illegal: Map<number, string>;
}

/** The change a user asks for, as the engine's calls name it. */
export type Change =
  | { kind: 'rename'; title: string }
  | { kind: 'add'; userIds: string[] }
  | { kind: 'remove'; userId: string }
  | { kind: 'promote'; userId: string }
  | { kind: 'send' };

/**
 * What the server must do with `change` by `actorId` on `state`: apply it, refuse it (FORBIDDEN:
 * not a member, or not an admin for someone else's membership, a role or the title; NOT_FOUND:
 * promoting a non-member), or nothing (every user added is a member already, the user removed is
 * not one, the user promoted is an admin already).
 */
export function verdict(state: GroupState, actorId: string, change: Change): 'apply' | 'refuse' | 'none' {
  const actor = state.members.get(actorId);
  if (!actor) return 'refuse';
  if (change.kind === 'send') return 'apply';
  const leaving = change.kind === 'remove' && change.userId === actorId;
  if (!leaving && actor.role !== 'admin') return 'refuse';
  if (change.kind === 'add') return change.userIds.every((u) => state.members.has(u)) ? 'none' : 'apply';
  if (change.kind === 'remove') return state.members.has(change.userId) ? 'apply' : 'none';
  if (change.kind === 'promote') {
    const target = state.members.get(change.userId);
    return !target ? 'refuse' : target.role === 'admin' ? 'none' : 'apply';
  }
  return change.title === state.title ? 'none' : 'apply';
}

const EMPTY: GroupState = { members: new Map(), title: '' };

/** `messages`: the group's messages in seq order, 1..n (gaps are the caller's finding; a missing seq keeps the state). */
export function replayGroup(messages: readonly Message[]): Replay {
  const states: GroupState[] = [EMPTY];
  const periods = new Map<string, Period[]>();
  const illegal = new Map<number, string>();
  const open = (u: string, seq: number) => {
    const list = periods.get(u) ?? [];
    list.push({ from: seq, to: null });
    periods.set(u, list);
  };
  const close = (u: string, seq: number) => {
    const last = periods.get(u)?.at(-1);
    if (last && last.to === null) last.to = seq;
  };
  for (const m of messages) {
    const before = states.at(-1)!;
    while (states.length < m.seq) states.push(before);
    const next: GroupState = { members: new Map(before.members), title: before.title };
    const e = m.type === 'system' ? m.system : undefined;
    const change: Change | null = !e
      ? { kind: 'send' }
      : e.kind === 'title-changed'
        ? { kind: 'rename', title: e.title ?? '' }
        : e.kind === 'members-added'
          ? { kind: 'add', userIds: e.userIds ?? [] }
          : e.kind === 'member-removed' || e.kind === 'member-left'
            ? { kind: 'remove', userId: e.userIds?.[0] ?? '' }
            : e.kind === 'member-promoted'
              ? { kind: 'promote', userId: e.userIds?.[0] ?? '' }
              : null;
    if (e?.kind === 'group-created') {
      if (m.seq !== 1) illegal.set(m.seq, 'a group-created message after seq 1');
      next.title = e.title ?? '';
      next.members = new Map([[m.senderId, { role: 'admin', sinceSeq: m.seq }]]);
      for (const u of e.userIds ?? []) if (u !== m.senderId) next.members.set(u, { role: 'member', sinceSeq: m.seq });
      for (const u of next.members.keys()) open(u, m.seq);
    } else if (change) {
      const v = verdict(before, m.senderId, change);
      if (v !== 'apply') illegal.set(m.seq, v === 'refuse' ? `${m.senderId} may not ${describe(change)} here` : `${describe(change)} changes nothing here`);
      if (m.seq === 1) illegal.set(m.seq, 'seq 1 is not the group-created message');
      if (change.kind === 'rename') next.title = change.title;
      if (change.kind === 'promote' && next.members.has(change.userId)) next.members.set(change.userId, { ...next.members.get(change.userId)!, role: 'admin' });
      if (change.kind === 'add') {
        for (const u of change.userIds) {
          if (next.members.has(u)) illegal.set(m.seq, `members-added names ${u}, a member already`);
          next.members.set(u, { role: 'member', sinceSeq: m.seq });
          open(u, m.seq);
        }
      }
      if (change.kind === 'remove') {
        const leaving = e?.kind === 'member-left';
        if (leaving !== (change.userId === m.senderId)) illegal.set(m.seq, `${e?.kind} by ${m.senderId} about ${change.userId}`);
        next.members.delete(change.userId);
        close(change.userId, m.seq);
        promote(next);
      }
    }
    states.push(next);
  }
  return { states, periods, illegal };
}

/** A group never loses its last admin: the oldest member (smallest sinceSeq, then id) is promoted. */
function promote(state: GroupState): void {
  const all = [...state.members];
  if (all.length === 0 || all.some(([, m]) => m.role === 'admin')) return;
  const [oldest] = all.sort(([a, x], [b, y]) => x.sinceSeq - y.sinceSeq || (a < b ? -1 : 1))[0]!;
  state.members.set(oldest, { ...state.members.get(oldest)!, role: 'admin' });
}

function describe(c: Change): string {
  return c.kind === 'send' ? 'send' : c.kind === 'rename' ? `rename to ${JSON.stringify(c.title)}` : c.kind === 'add' ? `add ${c.userIds.join(',')}` : `${c.kind} ${c.userId}`;
}

export const inPeriods = (periods: readonly Period[] | undefined, seq: number) => (periods ?? []).some((p) => seq >= p.from && (p.to === null || seq <= p.to));

/** The seqs 1..last a user may read: their periods. */
export function readableSeqs(periods: readonly Period[] | undefined, last: number): number[] {
  return Array.from({ length: last }, (_, k) => k + 1).filter((s) => inPeriods(periods, s));
}

/** 1,2,3,5,7,8 → "1-3,5,7-8". */
export function compact(seqs: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seqs.length; i++) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j]! + 1) j++;
    parts.push(j > i ? `${seqs[i]}-${seqs[j]}` : `${seqs[i]}`);
    i = j;
  }
  return parts.join(',');
}
