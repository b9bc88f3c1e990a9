import type { ConversationState, ConversationSummary, Member } from '@pigeon/sync-protocol';
import type { ConversationRecord, GroupMemberRecord, GroupRecord } from '../store/store.ts';

/** The wire form of members: who, their role, and since when (the seq of their latest addition: who is oldest). */
export const toMembers = (members: readonly GroupMemberRecord[]): Member[] => members.map(({ userId, role, sinceSeq }) => ({ userId, role, sinceSeq }));

export const memberIds = (group: Pick<GroupRecord, 'members'>): string[] => group.members.map((m) => m.userId);

/** What every member is told by `conversation-updated`. */
export function conversationState(group: GroupRecord, updatedAt: string): ConversationState {
  return { id: group.id, type: 'group', title: group.title, members: toMembers(group.members), updatedAt };
}

/**
 * A group as `viewerId` sees it in lists and answers. A former member keeps the group (and its
 * history up to their removal) but is not shown who is in it now: `members` is empty for them,
 * which is also how a client tells it is no longer a member. (The title is the current one:
 * the store keeps no title per period.)
 */
export function groupSummary(viewerId: string, record: ConversationRecord): ConversationSummary {
  const isMember = record.members.some((m) => m.userId === viewerId);
  return {
    id: record.id,
    type: 'group',
    title: record.title ?? '',
    members: isMember ? toMembers(record.members) : [],
    lastMessage: record.lastMessage,
    unreadCount: record.unreadCount,
    updatedAt: record.updatedAt,
    ...(record.readSeq !== undefined ? { readSeq: record.readSeq } : {}),
    ...(record.deliveredSeq !== undefined ? { deliveredSeq: record.deliveredSeq } : {}),
  };
}

/** A group the store's list has not got (yet): its summary from the group itself. */
export function summaryOfGroup(viewerId: string, group: GroupRecord, lastMessage: ConversationSummary['lastMessage']): ConversationSummary {
  return groupSummary(viewerId, {
    id: group.id,
    type: 'group',
    peerId: null,
    title: group.title,
    members: group.members,
    lastMessage,
    unreadCount: 0,
    updatedAt: lastMessage?.createdAt ?? group.createdAt,
  });
}
