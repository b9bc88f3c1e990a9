/**
 * The user's read position in a group, as the server knows it (docs/sync-protocol.md section 5,
 * Groups, "Read on another device"). A group message's status is the aggregate over the other
 * members, so a read on one device changes no status the other devices would hear of; instead the
 * server tells them where the reader's position is: live (`read-position`) and in the group's
 * summary (`readSeq`, in the conversation list and GET /api/conversations/:id).
 *
 * Applying one is what reading here would do, without the receipt: every incoming message up to
 * `readSeq` becomes read locally, the badge drops by as many, and the conversation's read mark is
 * raised (never lowered) both as seen and as acknowledged (the server has it already), so copies
 * below it that arrive later are stored read (merge-rules.ts `mergeServerCopy`). Our own messages
 * keep their aggregate status: nothing of theirs is touched.
 */
import type { ConversationSummary } from '../../model/conversation.ts';
import { refreshConversations, touch, type Touched } from '../local/conversation-summary.ts';
import { META, type LocalDb, type ReadMark, type StoredMessage } from '../local/local-db.ts';
import { signedInAs } from '../local/session.ts';
import { raiseStatus, unreadDelta } from './merge-rules.ts';

/** Applies a group read position; returns how many local rows turned read. */
export async function applyReadPosition(db: LocalDb, me: string, conversationId: string, readSeq: number): Promise<number> {
  return db.transaction('rw', [db.messages, db.conversations, db.meta], async () => {
    if (!(await signedInAs(db, me))) return 0;
    const key = META.readPrefix + conversationId;
    const mark = (await db.getMeta<ReadMark>(key)) ?? { upToSeq: 0, ackedUpToSeq: 0 };
    if (readSeq <= mark.ackedUpToSeq) return 0; // the server knew this much already when we last heard
    await db.setMeta(key, { upToSeq: Math.max(mark.upToSeq, readSeq), ackedUpToSeq: readSeq } satisfies ReadMark);
    const unread = await db.messages
      .where('[reader+status]')
      .anyOf([me, 'sent'], [me, 'delivered'])
      .filter((r) => r.conversationId === conversationId && r.seq !== null && r.seq <= readSeq)
      .toArray();
    if (unread.length === 0) return 0;
    const touched: Touched = new Map();
    const writes: StoredMessage[] = [];
    for (const row of unread) {
      const next = raiseStatus(row, 'read');
      writes.push(next);
      touch(touched, conversationId, unreadDelta(row, next, me));
    }
    await db.messages.bulkPut(writes);
    await refreshConversations(db, touched, me);
    return writes.length;
  });
}

/** The read positions carried by group summaries (the conversation list, a fetched group). */
export async function applyReadPositions(db: LocalDb, me: string, summaries: readonly ConversationSummary[]): Promise<void> {
  for (const s of summaries) {
    if (s.type === 'group' && s.readSeq !== undefined) await applyReadPosition(db, me, s.id, s.readSeq);
  }
}

/**
 * At connect and after a sync-hint: the conversation list's read positions, which a device that
 * was offline (or lost events) did not hear live. Costs nothing for a device that holds no group
 * and has synced before; one that has never synced (a first sign-in, or data cleared by another
 * account's sign-in) asks, because its groups are about to come back through the catch-up.
 */
export async function refreshReadPositions(db: LocalDb, me: string, list: () => Promise<readonly ConversationSummary[]>): Promise<void> {
  if (!(await needsFirstPositions(db)) && (await db.conversations.filter((c) => c.type === 'group').count()) === 0) return;
  await applyReadPositions(db, me, await list());
}

/**
 * Whether the device has never synced for its account: then the read positions are fetched
 * *before* the first catch-up, so the group messages it brings back are stored no lower than the
 * account had read them (merge-rules.ts stores an incoming copy at or below the read mark as
 * read). Without it, a device whose data another account's sign-in had cleared showed the
 * account's read group messages as unread until the list came (finding G1, docs/reliability.md).
 */
export async function needsFirstPositions(db: LocalDb): Promise<boolean> {
  return ((await db.getMeta<string>(META.syncCursor)) ?? '') === '';
}
