/** What the stores keep of groups (contract v2, "Groups"): part of the one Store interface (store.ts). */
import type { MemberRole, Message } from '@pigeon/sync-protocol';

/** A current member of a group; `sinceSeq` is the seq of the system message that (last) made them one. */
export interface GroupMemberRecord {
  userId: string;
  role: MemberRole;
  sinceSeq: number;
}

export interface GroupRecord {
  id: string;
  title: string;
  createdBy: string;
  createdAt: string;
  /** Current members, oldest (smallest sinceSeq) first. */
  members: GroupMemberRecord[];
  lastSeq: number;
}

/** One span of a user's membership of a group: from the seq of the message that added them to the one that removed them (both included), or open. */
export interface MemberPeriod {
  fromSeq: number;
  toSeq: number | null;
}

export interface CreateGroupRequest {
  creatorId: string;
  clientId: string;
  /** Valid (groupTitleSchema). */
  title: string;
  /** May name the creator; duplicates allowed. Every id must be a user (else NOT_FOUND, nothing stored). */
  memberIds: readonly string[];
  at: string;
}

export type GroupChange =
  | { kind: 'rename'; title: string }
  | { kind: 'add'; userIds: readonly string[] }
  | { kind: 'remove'; userId: string }
  | { kind: 'promote'; userId: string };

/** A change by `actorId`; `clientId` makes it idempotent (the system message is unique per actor and clientId). */
export type GroupChangeRequest = { conversationId: string; actorId: string; clientId: string; at: string } & GroupChange;

/**
 * The group after the change and the system message recording it: `created` false when the
 * same actor and clientId was applied before (the stored message, and the group as it is
 * now), `message` null when the change changed nothing (e.g. removing a non-member).
 */
export interface GroupOutcome {
  group: GroupRecord;
  message: Message | null;
  created: boolean;
  /**
   * The messages whose status this change moved, at their new status, in change order: a member who
   * left no longer holds them back, a newcomer ends a lone member's wait. Empty when nothing was
   * created (a no-op, a replay: those moves were told when the change was made).
   */
  settled: Message[];
}
