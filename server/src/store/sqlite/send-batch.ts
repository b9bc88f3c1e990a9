import { PigeonError, directConversationId, type Attachment, type Message, type ReplyRef } from '@pigeon/sync-protocol';
import { sendKey } from '../send-key.ts';
import type { SendOutcome, SendRequest } from '../store.ts';
import { claimableAttachments, holdAttachments, type AttachmentStatements } from './attachments.ts';
import type { GroupContext } from './groups.ts';
import { uuidv7 } from './ids.ts';
import { sqliteReplies } from './replies.ts';
import { newMessage, toMessage } from './rows.ts';
import type { SqliteSearch } from './search.ts';

interface ConversationTally {
  cid: number;
  lastSeq: number;
  /** Change position of the batch's last message in this conversation; 0 while none was inserted. */
  lastPos: number;
  /** Groups only: whether each sender of the batch has an open period (read once per batch). */
  members?: Map<number, boolean>;
  /** Groups only: the ids of the current members, read once per batch, for the outcomes' `viewers`. */
  viewers?: string[];
}

const isGroupSend = (r: SendRequest): r is SendRequest & { conversationId: string } => Boolean(r.conversationId);

/**
 * The group commit (Store.sendMessages): a whole batch in one transaction, which the caller
 * runs with BEGIN IMMEDIATE. 1:1 and group sends mix freely; each conversation's seqs and the
 * change positions are handed out in input order.
 */
export function sqliteSendBatch({ db, st, gs, uidOf }: GroupContext, ats: AttachmentStatements, search: Pick<SqliteSearch, 'indexMessage'>) {
  const resolveReply = sqliteReplies({ gs });
  const sendBatch = db.transaction((batch: readonly SendRequest[]): SendOutcome[] => {
    const createdAt = new Date().toISOString();
    const startPos = st.changePos.get()!;
    let pos = startPos;
    const conversations = new Map<string, ConversationTally>();
    const seen = new Map<string, Message>();
    const outcomes: SendOutcome[] = [];

    for (const r of batch) {
      const key = sendKey(r);
      const earlier = seen.get(key);
      if (earlier) {
        outcomes.push({ message: earlier, created: false });
        continue;
      }
      const sender = uidOf(r.senderId);
      let recipient: number;
      let conversationId: string;
      let conv: ConversationTally | PigeonError;
      let replyTo: ReplyRef | PigeonError | null = null;
      let files: Attachment[] | PigeonError = [];
      if (isGroupSend(r)) {
        // One row per group message, whatever the group's size: no recipient user (0), and the
        // group's id as recipient_id.
        recipient = 0;
        conversationId = r.conversationId;
        conv = groupTally(conversations, conversationId, sender);
        if (!(conv instanceof PigeonError)) {
          replyTo = resolveReply(r.replyTo, conversationId, sender);
          files = claimableAttachments(ats, r.senderId, r.attachmentIds);
        }
      } else {
        recipient = uidOf(r.recipientId);
        conversationId = directConversationId(r.senderId, r.recipientId);
        // Before the conversation's row is made: a refused reply or attachment must not leave a
        // conversation without a message (every 1:1 row holds one: contacts.ts, listConversations).
        replyTo = resolveReply(r.replyTo, conversationId, sender);
        files = claimableAttachments(ats, r.senderId, r.attachmentIds);
        let tally = conversations.get(conversationId);
        if (!tally && !(replyTo instanceof PigeonError) && !(files instanceof PigeonError)) {
          tally = conversationTally(conversationId, r, createdAt);
          conversations.set(conversationId, tally);
        }
        conv = tally ?? (replyTo instanceof PigeonError ? replyTo : (files as PigeonError));
      }
      const recipientId = recipient === 0 ? conversationId : r.recipientId;
      if (conv instanceof PigeonError || replyTo instanceof PigeonError || files instanceof PigeonError) {
        const refusal = conv instanceof PigeonError ? conv : replyTo instanceof PigeonError ? replyTo : (files as PigeonError);
        // Not a member (or no such group, or no such original, or an attachment it may not
        // carry: another's, unknown, or already sent, as by this very send) at this commit. A send stored
        // before (e.g. before a removal) was accepted then: its resend gets the stored message.
        const stored = st.messageBySenderClient.get(sender, r.clientId);
        if (stored) {
          const message = toMessage(stored);
          seen.set(key, message);
          outcomes.push({ message, created: false });
        } else {
          outcomes.push({ refused: refusal });
        }
        continue;
      }
      const id = uuidv7();
      const seq = conv.lastSeq + 1;
      const { changes, lastInsertRowid } = st.insertMessage.run(
        id, r.clientId, conv.cid, sender, recipient, conversationId, r.senderId, recipientId, r.body, seq, createdAt, pos + 1,
        replyTo?.id ?? null, replyTo?.senderId ?? null, replyTo?.preview ?? null, files.length === 0 ? '[]' : JSON.stringify(files), recipient === 0 ? null : pos + 1,
      );
      let outcome: SendOutcome;
      if (changes === 1) {
        pos += 1;
        conv.lastSeq = seq;
        conv.lastPos = pos;
        const message = newMessage({ id, clientId: r.clientId, conversationId, senderId: r.senderId, recipientId, body: r.body, seq, createdAt }, replyTo, files);
        // In this commit: the next send of the batch naming one of them is refused.
        holdAttachments(ats, message);
        // Searchable from this commit on (search.ts); lastInsertRowid is the row's only when it was inserted.
        search.indexMessage(lastInsertRowid, r.body, conv.cid, sender, recipient);
        outcome = conv.members ? { message, created: true, viewers: (conv.viewers ??= gs.currentMembers.all(conv.cid).map((m) => m.user_id)) } : { message, created: true };
      } else {
        // Sent before, in an earlier batch: the stored message is the answer, seq and position untouched.
        outcome = { message: toMessage(st.messageBySenderClient.get(sender, r.clientId)!), created: false };
      }
      seen.set(key, outcome.message);
      outcomes.push(outcome);
    }

    for (const conv of conversations.values()) {
      if (conv.lastPos === 0) continue;
      if (conv.members) gs.advanceGroup.run({ cid: conv.cid, seq: conv.lastSeq, at: createdAt, pos: conv.lastPos });
      else st.advanceConversation.run(conv.lastSeq, createdAt, conv.lastPos, conv.cid);
    }
    if (pos !== startPos) st.setChangePos.run(pos);
    return outcomes;
  });

  /** The conversation's key and last seq; its row is created by its first message. */
  function conversationTally(conversationId: string, r: SendRequest, now: string): ConversationTally {
    const row = st.conversation.get(conversationId);
    if (row) return { cid: row.cid, lastSeq: row.last_seq, lastPos: 0 };
    const [userA, userB] = r.senderId < r.recipientId ? [r.senderId, r.recipientId] : [r.recipientId, r.senderId];
    return { cid: st.insertConversation.get(conversationId, userA, userB, now)!, lastSeq: 0, lastPos: 0 };
  }

  /**
   * A group's tally, or why `sender` may not send to it: membership is read in this commit
   * (an open period), so a send racing the sender's removal is ordered before it or refused.
   */
  function groupTally(tallies: Map<string, ConversationTally>, conversationId: string, sender: number): ConversationTally | PigeonError {
    let conv = tallies.get(conversationId);
    if (!conv) {
      const group = gs.group.get(conversationId);
      if (!group) return new PigeonError('NOT_FOUND', `no such group ${conversationId}`);
      conv = { cid: group.cid, lastSeq: group.last_seq, lastPos: 0, members: new Map() };
      tallies.set(conversationId, conv);
    }
    let member = conv.members!.get(sender);
    if (member === undefined) {
      member = gs.isCurrentMember.get(conv.cid, sender) === 1;
      conv.members!.set(sender, member);
    }
    return member ? conv : new PigeonError('FORBIDDEN', 'not a member of this group');
  }

  return sendBatch;
}
