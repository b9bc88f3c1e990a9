/**
 * The user's positions in a group, as the server knows them (docs/sync-protocol.md section 5,
 * Groups, "Read on another device"). A group message's status is the aggregate over the other
 * members, so a read on one device changes no status the other devices would hear of; instead the
 * server tells them where the reader's position is: live (`read-position`) and in the group's
 * summary (`readSeq` and `deliveredSeq`, in the conversation list and GET /api/conversations/:id).
 *
 * Applying one is what reading (receiving) here would do, without the receipt: every incoming
 * message up to `readSeq` becomes read locally, the badge drops by as many, and the conversation's
 * read mark is raised (never lowered) both as seen and as acknowledged (the server has it already),
 * so copies below it that arrive later are stored read (merge-rules.ts `mergeServerCopy`); the same
 * for `deliveredSeq` and `delivered`. Our own messages keep their aggregate status: nothing of
 * theirs is touched.
 */
import type { ConversationSummary } from '../../model/conversation.ts';
import { refreshConversations, touch, type Touched } from '../local/conversation-summary.ts';
import { META, type LocalDb, type ReadMark, type StoredMessage } from '../local/local-db.ts';
import { signedInAs } from '../local/session.ts';
import { raiseStatus, unreadDelta } from './merge-rules.ts';
import { messageStore, messageTables } from '../local/message-store.ts';

/** The account's positions in one group, as the server knows them (a group summary, a live event). */
export interface GroupPositions {
  readSeq: number;
  /** Absent on a `read-position` event: read implies delivered, so readSeq stands for it. */
  deliveredSeq?: number;
}

/**
 * Applies a group's positions; returns how many local rows moved. The delivered position is kept
 * as a floor (META.deliveredPrefix) for copies that arrive later, like the read mark: the catch-up
 * after a device's data was cleared brings the group's messages with their aggregate status, which
 * is `sent` while another member lacks them, and the device had shown them `delivered` (its own
 * receipt, which the server holds: nothing is owed for them either).
 */
export async function applyPositions(db: LocalDb, me: string, conversationId: string, positions: GroupPositions): Promise<number> {
  return db.transaction('rw', [...messageTables(db), db.conversations, db.meta], async () => {
    if (!(await signedInAs(db, me))) return 0;
    const { readSeq } = positions;
    const deliveredSeq = Math.max(readSeq, positions.deliveredSeq ?? 0);
    const readKey = META.readPrefix + conversationId;
    const deliveredKey = META.deliveredPrefix + conversationId;
    const mark = (await db.getMeta<ReadMark>(readKey)) ?? { upToSeq: 0, ackedUpToSeq: 0 };
    const floor = (await db.getMeta<number>(deliveredKey)) ?? 0;
    const readMoves = readSeq > mark.ackedUpToSeq; // else the server knew this much already when we last heard
    const deliveredMoves = deliveredSeq > floor;
    if (!readMoves && !deliveredMoves) return 0;
    if (readMoves) await db.setMeta(readKey, { upToSeq: Math.max(mark.upToSeq, readSeq), ackedUpToSeq: readSeq } satisfies ReadMark);
    if (deliveredMoves) await db.setMeta(deliveredKey, deliveredSeq);
    const upTo = Math.max(readMoves ? readSeq : 0, deliveredMoves ? deliveredSeq : 0);
    const store = messageStore(db);
    const below = (await store.unreadIn(me, conversationId)).filter((r) => r.seq !== null && r.seq <= upTo);
    const touched: Touched = new Map();
    const writes: StoredMessage[] = [];
    for (const row of below) {
      const next = raiseStatus(row, readMoves && row.seq! <= readSeq ? 'read' : 'delivered');
      if (next === row) continue;
      writes.push(next);
      touch(touched, conversationId, unreadDelta(row, next, me));
    }
    if (writes.length === 0) return 0;
    await store.bulkPut(writes);
    await refreshConversations(db, touched, me);
    return writes.length;
  });
}

/** A `read-position` event: the account read the group up to `readSeq` on another device. */
export const applyReadPosition = (db: LocalDb, me: string, conversationId: string, readSeq: number): Promise<number> =>
  applyPositions(db, me, conversationId, { readSeq });

/** The read positions carried by group summaries (the conversation list, a fetched group). */
export async function applyReadPositions(db: LocalDb, me: string, summaries: readonly ConversationSummary[]): Promise<void> {
  for (const s of summaries) {
    if (s.type === 'group' && s.readSeq !== undefined) {
      await applyPositions(db, me, s.id, { readSeq: s.readSeq, ...(s.deliveredSeq !== undefined ? { deliveredSeq: s.deliveredSeq } : {}) });
    }
  }
}

/**
 * At connect and after a sync-hint: the conversation list's positions, which a device that was
 * offline (or lost events) did not hear live. Costs nothing for a device that holds no group.
 */
export async function refreshReadPositions(db: LocalDb, me: string, list: () => Promise<readonly ConversationSummary[]>): Promise<void> {
  if ((await db.conversations.filter((c) => c.type === 'group').count()) === 0) return;
  await applyReadPositions(db, me, await list());
}

