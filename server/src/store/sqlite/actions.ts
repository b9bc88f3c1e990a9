import { applyAction, judgeAction, PigeonError, withQuoteRemoved, type ActionSubject, type Message } from '@pigeon/sync-protocol';
import type { ActionOutcome, ActionRequest } from '../store.ts';
import type { ActionStatements } from './action-statements.ts';
import { markAttachmentsDeleted, type AttachmentStatements } from './attachments.ts';
import type { GroupContext } from './groups.ts';
import { toMessage, type MessageRow } from './rows.ts';
import type { SqliteSearch } from './search.ts';

type StoredRow = MessageRow & { cid: number; sender: number; recipient: number };

/**
 * Store.applyActions on SQLite: the group commit of message actions, a whole batch in one
 * BEGIN IMMEDIATE transaction (like send-batch.ts). Each action is judged by the shared rules
 * (@pigeon/sync-protocol model/action-rules.ts) on the row and the actor's standing as of the
 * commit, after the batch's earlier actions, so both stores decide alike.
 *
 * A content change rewrites the row with its version one higher and moves it to a new change
 * position (as a status change does), so changesSince hands out its latest state. A hide is a row
 * of its own (hides) with its own position, read by the hider's feed alone.
 */
export function sqliteActions({ db, st, gs }: GroupContext, as: ActionStatements, ats: AttachmentStatements, search: Pick<SqliteSearch, 'reindexMessage'>) {
  /** Whether the actor may read the message (visible) and write in its conversation now (member). */
  function subjectOf(row: StoredRow, uid: number): ActionSubject {
    const message = toMessage(row);
    if (row.recipient !== 0) {
      const participant = row.sender === uid || row.recipient === uid;
      return { message, visible: participant, member: participant };
    }
    const visible = gs.periodsOf
      .all(row.cid, uid)
      .some((p) => p.from_seq <= row.seq && (p.to_seq === null || row.seq <= p.to_seq));
    return { message, visible, member: gs.isCurrentMember.get(row.cid, uid) === 1 };
  }

  /** The message as `uid` sees it: with `hiddenAt` when they hid it (absent otherwise). */
  function asSeenBy(message: Message, uid: number): Message {
    const hiddenAt = as.hiddenAt.get(uid, message.id);
    return hiddenAt === undefined ? message : { ...message, hiddenAt };
  }

  const applyBatch = db.transaction((batch: readonly ActionRequest[]): ActionOutcome[] => {
    const startPos = st.changePos.get()!;
    let pos = startPos;
    /** Groups whose messages changed, with the batch's last position in each (conversations.changed_pos). */
    const changedGroups = new Map<number, number>();

    /** Writes a changed message: its content, version, and the next change position. */
    const write = (row: StoredRow, next: Message) => {
      pos += 1;
      as.updateContent.run({
        id: next.id, body: next.body,
        replyId: next.replyTo?.id ?? null, replySender: next.replyTo?.senderId ?? null, replyPreview: next.replyTo?.preview ?? null,
        reactions: JSON.stringify(next.reactions ?? []), editedAt: next.editedAt ?? null, deletedAt: next.deletedAt ?? null,
        attachments: JSON.stringify(next.attachments ?? []), version: next.version ?? 0, pos,
      });
      // A group's feed skips groups without a change since the cursor (group-reads.ts).
      if (row.recipient === 0) changedGroups.set(row.cid, pos);
      // An edit's new words replace the old ones; a delete for everyone leaves the index. A change
      // of reactions or of a quote leaves the body, and the index, as they were.
      const deleted = Boolean(next.deletedAt) && !row.deleted_at;
      if (row.type === 'text' && (deleted || next.body !== row.body)) search.reindexMessage(next.id, next.body, Boolean(next.deletedAt));
    };

    function applyOne(r: ActionRequest): ActionOutcome {
      const uid = st.uidOf.get(r.actorId);
      if (uid === undefined) return { refused: new PigeonError('NOT_FOUND', `no such user ${r.actorId}`) };

      const earlier = as.recorded.get(uid, r.clientId);
      if (earlier !== undefined) {
        // A replay: nothing applies again, whatever it carries; the answer is the message now.
        const row = gs.messageById.get(earlier)!;
        return { message: asSeenBy(toMessage(row), uid), applied: false, affected: [] };
      }

      const row = gs.messageById.get(r.messageId);
      const subject = row ? subjectOf(row, uid) : null;
      const refusal = judgeAction(r, subject);
      if (refusal) return { refused: refusal };
      const { message } = subject!;
      // Recorded whatever follows, so a replay of an action that changed nothing is known too.
      as.record.run(uid, r.clientId, message.id);

      if (r.kind === 'hide') {
        const hiddenAt = as.hiddenAt.get(uid, message.id);
        // A second hide (another device's, another clientId) changes nothing: the first one's time stays.
        if (hiddenAt !== undefined) return { message: { ...message, hiddenAt }, applied: false, affected: [] };
        pos += 1;
        as.hide.run(uid, message.id, r.at, pos);
        return { message: { ...message, hiddenAt: r.at }, applied: true, affected: [] };
      }

      const next = applyAction(message, r);
      if (!next) return { message: asSeenBy(message, uid), applied: false, affected: [] };
      write(row!, next);
      const affected: Message[] = [];
      if (r.kind === 'delete') {
        // Gone for every reader in this commit; the server deletes the bytes after it (attachments/sweep.ts).
        markAttachmentsDeleted(ats, message, next.deletedAt ?? r.at);
        // The replies quote what is gone: their preview is emptied, each a change of its own.
        for (const reply of as.repliesTo.all(message.id) as StoredRow[]) {
          const emptied = withQuoteRemoved(toMessage(reply));
          if (!emptied) continue;
          write(reply, emptied);
          affected.push(emptied);
        }
      }
      return { message: asSeenBy(next, uid), applied: true, affected };
    }

    const outcomes = batch.map(applyOne);
    for (const [cid, last] of changedGroups) gs.setChangedPos.run(last, cid);
    if (pos !== startPos) st.setChangePos.run(pos);
    return outcomes;
  });

  return {
    applyActions: async (batch: readonly ActionRequest[]): Promise<ActionOutcome[]> =>
      batch.length === 0 ? [] : applyBatch.immediate(batch),
  };
}
