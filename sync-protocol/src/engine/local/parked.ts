/**
 * Account switch without losing anyone's unsent messages.
 *
 * The live tables (messages, outbox, conversations, users, meta) only ever hold the signed-in
 * account's data: every query, the drainer and the outbox count read them and nothing else.
 * When another account signs in on the device, the previous owner's unsent messages — outbox
 * entries, their pending or failed rows, and the profiles of their recipients (so the chat
 * shows a name) — are moved into `parked`, tagged with that owner, and the live tables are
 * cleared (the rest is on the server and syncs back). So are the read marks the server has not
 * acknowledged yet: the owner read those messages, and without the mark they would sync back
 * unread and the sender would never see them read (found by the chaos harness). When the owner
 * signs in again, the rows move back; the drainer sends the messages with that owner's token,
 * exactly once (the server dedupes by clientId in any case), the catch-up stores the read ones
 * as read, and the receipts flush sends the read mark.
 *
 * Every function here runs inside the caller's rw transaction over the tables it touches.
 */
import type { User } from '../../model/user.ts';
import { resolveTargets } from '../up/actions.ts';
import { refreshConversations, touch, type Touched } from './conversation-summary.ts';
import { META, type LocalDb, type MetaRow, type OutboxEntry, type ParkedRow, type ReadMark, type StoredMessage } from './local-db.ts';
import { messageStore, messageTables } from './message-store.ts';

/** The tables a park or restore writes. */
export const parkingTables = (db: LocalDb) => [...messageTables(db), db.outbox, db.users, db.conversations, db.meta, db.parked];

const owed = (row: MetaRow) => {
  const mark = row.value as ReadMark;
  return mark.upToSeq > mark.ackedUpToSeq;
};

/** Copies `owner`'s unsent messages into `parked` (the caller clears the live tables next). */
export async function parkUnsent(db: LocalDb, owner: string): Promise<number> {
  // An action or reply names its target by row key until it is sent (up/actions.ts resolveTargets).
  // Acked targets are not parked, and the live tables are cleared next: resolved now, the entry
  // can be sent after the next sign-in before the catch-up brings the row back (chaos finding A2).
  // A target still unacked is parked too, and its send is ahead in the lane: it resolves then.
  const outbox = await Promise.all((await db.outbox.toArray()).map((e) => resolveTargets(db, e)));
  // The unacked rows (pending or failed), in the order they were typed (local/unacked-index.ts).
  const unacked = (await db.unackedRows().toArray()).filter((m) => m.senderId === owner);
  const peerIds = [...new Set(unacked.map((m) => m.recipientId))];
  const peers = (await db.users.bulkGet(peerIds)).filter((u): u is User => u !== undefined);
  const marks = (await db.meta.where('key').startsWith(META.readPrefix).toArray()).filter(owed);
  const rows: ParkedRow[] = [
    ...outbox.map((row) => ({ owner, kind: 'outbox' as const, key: row.clientId, row })),
    ...unacked.map((row) => ({ owner, kind: 'message' as const, key: row.key, row })),
    ...peers.map((row) => ({ owner, kind: 'user' as const, key: row.id, row })),
    ...marks.map((row) => ({ owner, kind: 'read-mark' as const, key: row.key, row })),
  ];
  await db.parked.bulkPut(rows);
  return outbox.length;
}

/**
 * Moves `owner`'s parked rows back into the live tables. A row the device meanwhile holds as
 * acked (a server copy) wins over the parked pending copy, and its outbox entry is dropped.
 */
export async function restoreParked(db: LocalDb, owner: string): Promise<number> {
  const parked = await db.parked.where('owner').equals(owner).toArray();
  if (parked.length === 0) return 0;
  const of = <T>(kind: ParkedRow['kind']) => parked.filter((p) => p.kind === kind).map((p) => p.row as T);

  const messages = of<StoredMessage>('message');
  const live = await messageStore(db).bulkGet(messages.map((m) => m.key));
  const acked = new Set(live.flatMap((row) => (row && row.seq !== null ? [row.key] : [])));
  const restored = messages.filter((m) => !acked.has(m.key));
  await db.messages.bulkPut(restored);
  const entries = of<OutboxEntry>('outbox').filter((e) => !acked.has(e.key));
  await db.outbox.bulkPut(entries);

  const users = of<User>('user');
  const known = await db.users.bulkGet(users.map((u) => u.id));
  await db.users.bulkPut(users.filter((_, i) => !known[i]));

  // Up to where the owner read: the catch-up stores those messages as read, the receipts flush reports it.
  for (const { key, value } of of<MetaRow>('read-mark')) {
    const mark = value as ReadMark;
    const live = await db.getMeta<ReadMark>(key);
    await db.setMeta(key, {
      upToSeq: Math.max(mark.upToSeq, live?.upToSeq ?? 0),
      ackedUpToSeq: Math.max(mark.ackedUpToSeq, live?.ackedUpToSeq ?? 0),
    } satisfies ReadMark);
  }

  const touched: Touched = new Map();
  for (const m of restored) touch(touched, m.conversationId);
  await refreshConversations(db, touched, owner);
  await dropParked(db, owner);
  return entries.length;
}

/** Forgets `owner`'s parked rows ("clear my messages" on sign-out). */
export async function dropParked(db: LocalDb, owner: string): Promise<void> {
  await db.parked.where('owner').equals(owner).delete();
}
