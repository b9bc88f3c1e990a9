import type { ConversationRecord } from '../store.ts';
import { toMessage, type GroupStateDoc, type MessageDoc } from './documents.ts';

/**
 * The list entries both plans of listConversations build (reads.ts and group-reads.ts on
 * MongoDB, list-scan.ts on FerretDB): one shape, so the plans can only differ in how they read.
 */

/** A 1:1 conversation's entry, from its newest message and the user's unread count there. */
export function directRecord(conversation: { _id: string; members: string[] }, userId: string, newest: MessageDoc, unreadCount: number): ConversationRecord {
  const [a, b] = conversation.members;
  return {
    id: conversation._id,
    type: 'direct',
    peerId: a === userId ? b! : a!,
    title: null,
    members: [],
    lastMessage: toMessage(newest),
    unreadCount,
    updatedAt: newest.createdAt,
  };
}

/** A group's entry as a member (or former member) sees it: the state is the latest system message's. */
export function groupRecord(
  id: string,
  state: Pick<GroupStateDoc, 'title' | 'members' | 'createdAt'>,
  newest: MessageDoc | undefined,
  positions: { unreadCount: number; readSeq: number; deliveredSeq: number },
): ConversationRecord {
  const lastMessage = newest ? toMessage(newest) : null;
  return {
    id,
    type: 'group',
    peerId: null,
    title: state.title,
    members: state.members,
    lastMessage,
    unreadCount: positions.unreadCount,
    updatedAt: lastMessage?.createdAt ?? state.createdAt,
    readSeq: positions.readSeq,
    deliveredSeq: positions.deliveredSeq,
  };
}
