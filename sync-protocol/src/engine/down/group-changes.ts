/**
 * What the server says about groups besides their messages: the answer to one of our changes,
 * and the conversation itself (`GET /api/conversations/:id`) for a group the device does not know
 * well enough (added to it, or added again after a removal: group-state.ts `known`).
 */
import type { ConversationSummary } from '../../model/conversation.ts';
import type { Message } from '../../model/message.ts';
import { PigeonError } from '../../errors.ts';
import { refreshConversations } from '../local/conversation-summary.ts';
import { isLocalGroupId, messageKey, type GroupOp, type LocalDb, type OutboxEntry } from '../local/local-db.ts';
import { rekeyConversation } from '../local/rekey.ts';
import { signedInAs } from '../local/session.ts';
import type { GroupAnswer } from '../transport/transport.ts';
import { applyServerCopies, storingTables, type ApplyResult } from './store-server-changes.ts';
import { applyReadPositions } from './read-positions.ts';

const snapshotOf = (c: ConversationSummary, atLeast = 0) => ({ title: c.title, members: c.members, atSeq: Math.max(c.lastMessage?.seq ?? 0, atLeast) });

/**
 * Stores the server's answer to a change of ours, in ONE transaction with the removal of its
 * outbox entry: a creation moves the local group to the server's id first; the system message
 * (the answer's, or for a creation the group's last message when it is ours) replaces the pending
 * row; the conversation in the answer is stored as a snapshot.
 */
export async function storeGroupAnswer(db: LocalDb, entry: OutboxEntry & { op: GroupOp }, answer: GroupAnswer, me: string): Promise<ApplyResult> {
  return db.transaction('rw', storingTables(db), async () => {
    const serverId = answer.conversation.id;
    if (!(await signedInAs(db, me))) return applyServerCopies(db, [], me); // stale: writes nothing
    if (isLocalGroupId(entry.conversationId)) await rekeyConversation(db, entry.conversationId, serverId);
    const last = answer.conversation.lastMessage;
    const message: Message | null = answer.message ?? (last && messageKey(last.senderId, last.clientId) === entry.key ? last : null);
    const snapshots = new Map([[serverId, snapshotOf(answer.conversation, message?.seq)]]);
    const result = await applyServerCopies(db, message ? [message] : [], me, { detectGaps: true, snapshots });
    if (message) return result;
    await db.outbox.delete(entry.clientId);
    if (entry.op.kind === 'create') {
      // A creation answered without its message (a retry after others wrote): the pending row
      // waits for its copy, which the catch-up brings (a gap says "catch up").
      result.gaps.push(serverId);
    } else {
      // The change changed nothing (a title already set, members already in): nothing to record.
      await db.messages.delete(entry.key);
      await refreshConversations(db, new Map([[serverId, 0]]), me);
    }
    return result;
  });
}

/**
 * Fetches each group the device holds without knowing its title and members (added to it by
 * someone else, added again, or seen first through a message), and stores it as a snapshot. A
 * group we are no longer a member of is refused (FORBIDDEN): marked, so it is not asked again;
 * its history and the events we saw are what the device shows.
 */
export async function fetchUnknownGroups(db: LocalDb, me: string, fetch: (id: string) => Promise<{ conversation: ConversationSummary }>): Promise<void> {
  const unknown = (await db.conversations.toArray()).filter((c) => c.type === 'group' && !c.local && !c.group?.known && !c.groupFetchRefused);
  for (const { id } of unknown) {
    let conversation: ConversationSummary | null = null;
    try {
      conversation = (await fetch(id)).conversation;
    } catch (e) {
      if (!(e instanceof PigeonError && (e.code === 'FORBIDDEN' || e.code === 'NOT_FOUND'))) throw e;
    }
    await db.transaction('rw', storingTables(db), async () => {
      if (!(await signedInAs(db, me))) return;
      if (conversation) return void (await applyServerCopies(db, [], me, { snapshots: new Map([[id, snapshotOf(conversation)]]) }));
      const row = await db.conversations.get(id);
      if (row) await db.conversations.put({ ...row, groupFetchRefused: true });
    });
    if (conversation) await applyReadPositions(db, me, [conversation]);
  }
}
