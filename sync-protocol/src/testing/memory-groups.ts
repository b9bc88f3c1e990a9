/**
 * Groups on the in-memory server, with the rules of the real one (docs/architecture.md "Groups",
 * server/src/groups/rules.ts) that a device can observe:
 *  - every change is a system message with its own seq, stored once per (actor, clientId): a
 *    retried creation or change answers the stored message and the group as it is now;
 *  - membership is a list of periods [fromSeq, toSeq]: a user sees (history, change feed) exactly
 *    the seqs of their periods, so a removed member keeps what came up to their removal;
 *  - only admins rename, add, remove others and make admins; anyone leaves; the oldest member is promoted when
 *    the last admin goes; 2..256 members;
 *  - receipts are positions per member (delivered, read), starting at the seq that added them; a
 *    message is delivered (read) once every current member but its sender has a position at or
 *    past its seq, and its status only moves forward.
 * Written again here rather than imported: the test kit must not depend on the server package.
 */
import { LIMITS } from '../limits.ts';
import type { ConversationSummary } from '../model/conversation.ts';
import type { MemberRole } from '../model/group.ts';
import type { Message } from '../model/message.ts';
import type { SystemEvent } from '../model/system-event.ts';
import { statusRank, type MessageStatus } from '../status.ts';
import type { GroupChange } from '../engine/transport/transport.ts';
import { fail } from './fail.ts';
import type { MemoryMessages } from './memory-messages.ts';

interface Member {
  userId: string;
  role: MemberRole;
  sinceSeq: number;
}

interface Group {
  id: string;
  title: string;
  members: Member[];
  periods: Map<string, { fromSeq: number; toSeq: number | null }[]>;
  delivered: Map<string, number>;
  read: Map<string, number>;
  /** Every move of a position, for "message info": a member got (read) seq s at their first move to ≥ s. */
  moves: { userId: string; kind: 'delivered' | 'read'; seq: number; at: string }[];
}

/** A stored change: its system message (null: it changed nothing) and who must hear of it. */
export interface GroupOutcome {
  conversationId: string;
  message: Message | null;
  created: boolean;
  /** The members after the change, and a removed member (who gets their removal). */
  audience: string[];
  /** Messages whose status the change moved (a member who left no longer held them back). */
  raised?: Message[];
}

export class MemoryGroups {
  private readonly groups = new Map<string, Group>();
  private next = 0;

  constructor(private readonly messages: MemoryMessages) {}

  isGroup(conversationId: string): boolean {
    return this.groups.has(conversationId);
  }

  isMember(conversationId: string, userId: string): boolean {
    return !!this.groups.get(conversationId)?.members.some((m) => m.userId === userId);
  }

  memberIds(conversationId: string): string[] {
    return this.groups.get(conversationId)?.members.map((m) => m.userId) ?? [];
  }

  /** Whether `userId` may see this group message: its seq lies in one of their periods. */
  sees(userId: string, m: Message): boolean {
    const periods = this.groups.get(m.conversationId)?.periods.get(userId) ?? [];
    return periods.some((p) => m.seq >= p.fromSeq && (p.toSeq === null || m.seq <= p.toSeq));
  }

  /** The groups `userId` is or was a member of. */
  groupsOf(userId: string): string[] {
    return [...this.groups.values()].filter((g) => g.periods.has(userId)).map((g) => g.id);
  }

  /** Current co-members of `userId` in every group (they see each other's presence). */
  coMembers(userId: string): string[] {
    const ids = [...this.groups.values()].filter((g) => g.members.some((m) => m.userId === userId)).flatMap((g) => g.members.map((m) => m.userId));
    return [...new Set(ids)].filter((id) => id !== userId);
  }

  create(creatorId: string, clientId: string, title: string, memberIds: readonly string[], hasUser: (id: string) => boolean): GroupOutcome {
    const stored = this.messages.find(creatorId, clientId);
    if (stored) return { conversationId: stored.conversationId, message: stored, created: false, audience: [] };
    const others = [...new Set(memberIds)].filter((id) => id !== creatorId);
    if (others.length === 0) throw fail('VALIDATION', 'memberIds: a group needs at least one member besides its creator');
    if (others.length + 1 > LIMITS.groupMembersMax) throw fail('VALIDATION', `memberIds: at most ${LIMITS.groupMembersMax} members`);
    if (!others.every(hasUser)) throw fail('NOT_FOUND', 'memberIds: no such user');
    const id = `g:${++this.next}`;
    const group: Group = { id, title, members: [], periods: new Map(), delivered: new Map(), read: new Map(), moves: [] };
    this.groups.set(id, group);
    const message = this.record(group, creatorId, clientId, { kind: 'group-created', actorId: creatorId, userIds: others, title });
    for (const [i, userId] of [creatorId, ...others].entries()) this.join(group, userId, i === 0 ? 'admin' : 'member', message.seq);
    return this.done(group, message, [], this.memberIds(id));
  }

  change(actorId: string, conversationId: string, change: GroupChange, clientId: string, hasUser: (id: string) => boolean): GroupOutcome {
    const group = this.groups.get(conversationId);
    if (!group) throw fail('NOT_FOUND', 'no such conversation');
    const stored = this.messages.find(actorId, clientId);
    if (stored) return { conversationId, message: stored, created: false, audience: [] };
    const actor = group.members.find((m) => m.userId === actorId);
    if (!actor) throw fail('FORBIDDEN', 'not a member of this group');
    const admin = () => {
      if (actor.role !== 'admin') throw fail('FORBIDDEN', 'only an admin of this group may do that');
    };
    const nothing: GroupOutcome = { conversationId, message: null, created: false, audience: [] };
    if (change.kind === 'rename') {
      admin();
      if (change.title === group.title) return nothing;
      group.title = change.title;
      const message = this.record(group, actorId, clientId, { kind: 'title-changed', actorId, title: change.title });
      return this.done(group, message, [], this.memberIds(conversationId));
    }
    if (change.kind === 'add') {
      admin();
      if (!change.userIds.every(hasUser)) throw fail('NOT_FOUND', 'userIds: no such user');
      const added = [...new Set(change.userIds)].filter((id) => !group.members.some((m) => m.userId === id));
      if (added.length === 0) return nothing;
      if (group.members.length + added.length > LIMITS.groupMembersMax) throw fail('VALIDATION', `userIds: at most ${LIMITS.groupMembersMax} members`);
      const message = this.record(group, actorId, clientId, { kind: 'members-added', actorId, userIds: added });
      for (const userId of added) this.join(group, userId, 'member', message.seq);
      return this.done(group, message, [], this.memberIds(conversationId));
    }
    if (change.kind === 'promote') {
      admin();
      const target = group.members.find((m) => m.userId === change.userId);
      if (!target) throw fail('NOT_FOUND', 'userId: not a member of this group');
      if (target.role === 'admin') return nothing;
      target.role = 'admin';
      const message = this.record(group, actorId, clientId, { kind: 'member-promoted', actorId, userIds: [change.userId] });
      return this.done(group, message, [], this.memberIds(conversationId));
    }
    const leaving = change.userId === actorId;
    if (!leaving) admin();
    if (!group.members.some((m) => m.userId === change.userId)) return nothing;
    group.members = group.members.filter((m) => m.userId !== change.userId);
    // As the server (server/src/groups/rules.ts): the oldest member is promoted when the last admin
    // goes, and the event names whom, or nobody (`[]`).
    const promotedIds: string[] = [];
    if (group.members.length > 0 && !group.members.some((m) => m.role === 'admin')) {
      const oldest = [...group.members].sort((a, b) => a.sinceSeq - b.sinceSeq || (a.userId < b.userId ? -1 : 1))[0]!;
      oldest.role = 'admin';
      promotedIds.push(oldest.userId);
    }
    const event: SystemEvent = leaving
      ? { kind: 'member-left', actorId, userIds: [actorId], promotedIds }
      : { kind: 'member-removed', actorId, userIds: [change.userId], promotedIds };
    const message = this.record(group, actorId, clientId, event);
    group.periods.get(change.userId)!.at(-1)!.toSeq = message.seq;
    // Who left stops holding the others' statuses back.
    const raised = this.cover(group);
    return this.done(group, message, raised, [...this.memberIds(conversationId), change.userId]);
  }

  /** The group as it is now, as every member is told (`conversation-updated`). */
  state(conversationId: string): { title: string; members: { userId: string; role: MemberRole }[] } {
    const group = this.groups.get(conversationId)!;
    return { title: group.title, members: group.members.map(({ userId, role }) => ({ userId, role })) };
  }

  /**
   * The group as `userId` sees it (GET /api/conversations/:id, the conversation list, a change's
   * answer). A former member is not shown who is in it now: no members, as on the real server.
   */
  summary(conversationId: string, userId: string): ConversationSummary {
    const group = this.groups.get(conversationId)!;
    const visible = this.messages.rows(conversationId).filter((m) => this.sees(userId, m));
    const last = visible.at(-1) ?? null;
    const readUpTo = this.readPosition(conversationId, userId);
    return {
      id: conversationId,
      type: 'group',
      title: group.title,
      members: this.isMember(conversationId, userId) ? this.state(conversationId).members : [],
      lastMessage: last && { ...last },
      unreadCount: visible.filter((m) => m.senderId !== userId && m.type !== 'system' && m.seq > readUpTo).length,
      updatedAt: last?.createdAt ?? new Date(0).toISOString(),
      readSeq: readUpTo,
      deliveredSeq: group.delivered.get(userId) ?? 0,
    };
  }

  /** Where `userId` read the group up to (any of their devices): their read position, 0 before any read. */
  readPosition(conversationId: string, userId: string): number {
    return this.groups.get(conversationId)?.read.get(userId) ?? 0;
  }

  /** `message-received` for group messages: each group's delivered position moves to the highest seq named. */
  received(userId: string, messages: readonly Message[]): Message[] {
    const changed: Message[] = [];
    for (const conversationId of new Set(messages.map((m) => m.conversationId))) {
      const group = this.groups.get(conversationId);
      const seqs = messages.filter((m) => m.conversationId === conversationId && this.sees(userId, m)).map((m) => m.seq);
      if (!group || !this.isMember(conversationId, userId) || seqs.length === 0) continue;
      this.move(group, userId, 'delivered', Math.max(...seqs));
      changed.push(...this.cover(group));
    }
    return changed;
  }

  /** `message-read` in a group: both positions move up to `upToSeq` (at most the last seq). FORBIDDEN for non-members. */
  readUpTo(userId: string, conversationId: string, upToSeq: number): Message[] {
    const group = this.groups.get(conversationId);
    if (!group || !this.isMember(conversationId, userId)) throw fail('FORBIDDEN', 'not a member of this conversation');
    const upTo = Math.min(upToSeq, this.messages.rows(conversationId).length);
    this.move(group, userId, 'read', upTo);
    this.move(group, userId, 'delivered', upTo);
    return this.cover(group);
  }

  /**
   * `GET /api/messages/:id/receipts`: every member but the sender whose period holds the message
   * (leavers too), with when their position first covered it. Members of the group only.
   */
  receipts(userId: string, messageId: string): { userId: string; deliveredAt: string | null; readAt: string | null }[] {
    const [m] = this.messages.byIds([messageId]);
    const group = m && this.groups.get(m.conversationId);
    if (!m || !group) throw fail('NOT_FOUND', 'no such message');
    if (!this.isMember(group.id, userId)) throw fail('FORBIDDEN', 'not a member of this conversation');
    const first = (who: string, kind: 'delivered' | 'read') => group.moves.find((x) => x.userId === who && x.kind === kind && x.seq >= m.seq)?.at ?? null;
    return [...group.periods.keys()]
      .filter((who) => who !== m.senderId && this.sees(who, m))
      .map((who) => ({ userId: who, deliveredAt: first(who, 'delivered') ?? first(who, 'read'), readAt: first(who, 'read') }));
  }

  private move(group: Group, userId: string, kind: 'delivered' | 'read', seq: number): void {
    const positions = group[kind];
    if (seq <= (positions.get(userId) ?? 0)) return;
    positions.set(userId, seq);
    group.moves.push({ userId, kind, seq, at: new Date().toISOString() });
  }

  /** A stored change: its message as it is now (positions may already cover it). */
  private done(group: Group, message: Message, raised: Message[], audience: string[]): GroupOutcome & { raised: Message[] } {
    const more = this.cover(group);
    return { conversationId: group.id, message: this.messages.find(message.senderId, message.clientId)!, created: true, audience, raised: [...raised, ...more] };
  }

  /** Stores a system message of the group (its next seq). */
  private record(group: Group, actorId: string, clientId: string, system: SystemEvent): Message {
    return this.messages.store({ senderId: actorId, recipientId: group.id, conversationId: group.id, clientId, body: '', system }).message;
  }

  private join(group: Group, userId: string, role: MemberRole, seq: number): void {
    group.members.push({ userId, role, sinceSeq: seq });
    group.periods.set(userId, [...(group.periods.get(userId) ?? []), { fromSeq: seq, toSeq: null }]);
    // Nothing before the seq that added them is theirs to receive or read.
    group.delivered.set(userId, Math.max(group.delivered.get(userId) ?? 0, seq));
    group.read.set(userId, Math.max(group.read.get(userId) ?? 0, seq));
  }

  /** Raises every message that all current members but its sender now cover; returns the changed copies. */
  cover(group: Group | string): Message[] {
    const g = typeof group === 'string' ? this.groups.get(group) : group;
    if (!g) return [];
    const covered = (m: Message, positions: Map<string, number>) => g.members.every((p) => p.userId === m.senderId || (positions.get(p.userId) ?? 0) >= m.seq);
    const changed: Message[] = [];
    for (const m of this.messages.rows(g.id)) {
      const status: MessageStatus | null = covered(m, g.read) ? 'read' : covered(m, g.delivered) ? 'delivered' : null;
      if (status && statusRank(status) > statusRank(m.status)) changed.push(...this.messages.raise([m], status));
    }
    return changed;
  }
}
