/**
 * Transactions that store what the server says: server copies (new-message,
 * sync pages, send acks) and status changes (message-status, our own receipts).
 * Each reads the current rows inside the transaction and merges with the pure
 * functions of merge-rules.ts, so concurrent writers (socket events, catch-up,
 * the drainer, another tab) can interleave in any order without losing a status.
 */
import type { Message } from '../../model/message.ts';
import type { MessageStatus } from '../../status.ts';
import { refreshConversations, touch, type GroupFacts, type Touched, type Written } from '../local/conversation-summary.ts';
import { actionsOn, isLocalGroupId, localMaxSeq, messageKey, META, type LocalDb, type ReadMark, type StoredMessage } from '../local/local-db.ts';
import { pendingActionOf, type ActionError } from '../up/actions.ts';
import { contentOf, showPending } from '../local/pending-actions.ts';
import { rekeyConversation } from '../local/rekey.ts';
import { signedInAs } from '../local/session.ts';
import { findGaps, mergeServerCopy, raiseStatus, sameRow, unreadDelta } from './merge-rules.ts';
import { boundTo } from '../local/bound-db.ts';
import { oweDelivered } from '../local/owed-receipts.ts';
import { fitsOpen, holdWords, OPEN_RECORD_MAX } from '../local/page-words.ts';
import { messageStore, messageTables, type MessageStore } from '../local/message-store.ts';

export interface ApplyOptions {
  /** Report conversations where the copies leave a seq gap (live events and acks, not sync pages). */
  detectGaps?: boolean;
  /** Server snapshots of groups to store with the copies (GroupFacts.snapshots). */
  snapshots?: GroupFacts['snapshots'];
  /** The clientId of the action entry these copies acknowledge: it leaves the outbox in the same transaction. */
  actionDone?: string;
}

/** The tables applyServerCopies writes: a transaction around it must take them all. */
export const storingTables = (db: LocalDb) => [...messageTables(db), db.conversations, db.outbox, db.meta, db.wordPages];

export interface ApplyResult {
  /** Server copies that changed a local row (new message or status change). */
  changed: Message[];
  /** Messages the device did not hold at all before (not counting own pending ones). */
  inserted: number;
  /** Conversations this batch created locally (their peer may be unknown to the device). */
  newConversations: string[];
  /** Some incoming message is new here: the device owes its delivery receipt (local/owed-receipts.ts). */
  owesReceipts: boolean;
  /** Conversations with a seq gap (only with detectGaps). */
  gaps: string[];
  /** Nothing was written: `me` is no longer the signed-in user of the database (another tab signed out or switched). */
  stale: boolean;
}

export async function applyServerCopies(outer: LocalDb, messages: readonly Message[], me: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  return outer.transaction('rw', storingTables(outer), async (tx) => {
    // Every read and write below goes through the transaction's own tables (bound-db.ts: F1).
    const db = boundTo(outer, tx);
    const result: ApplyResult = { changed: [], inserted: 0, newConversations: [], owesReceipts: false, gaps: [], stale: false };
    if (!(await signedInAs(db, me))) return { ...result, stale: true };
    if (options.actionDone) await db.outbox.delete(options.actionDone);
    const keys = messages.map((m) => messageKey(m.senderId, m.clientId));
    const store = messageStore(db);
    let existing = await storedRows(store, messages, keys, me);
    // A copy of a group creation made here tells the group's server id: move the group there first.
    const moves = new Map(existing.flatMap((row, i) => (row && isLocalGroupId(row.conversationId) ? [[row.conversationId, messages[i]!.conversationId] as const] : [])));
    for (const [localId, serverId] of moves) await rekeyConversation(db, localId, serverId);
    if (moves.size > 0) existing = await store.bulkGet(keys);
    const current = new Map<string, StoredMessage>();
    keys.forEach((k, i) => {
      const row = existing[i];
      if (row) current.set(k, row);
    });

    // Rows with actions queued on them: one index read per batch. Not only rows that say so: a row
    // restored without its overlay (an account switch parks unacked rows only) gets it back here.
    // Every queued action's target is read (the index's keys alone): they are what this device did
    // offline, few, where `anyOf` over a page's 500 keys sorted and sought them all (1 % of a catch-up).
    const inBatch = new Set(keys);
    const targeted = new Set((await db.outbox.orderBy('targetKey').keys()).map(String).filter((k) => inBatch.has(k)));
    const conversationIds = [...new Set(messages.map((m) => m.conversationId))];
    const readMarks = new Map<string, number>();
    const deliveredFloors = new Map<string, number>();
    const maxSeqs = new Map<string, number>();
    const marks = await positionsOf(db, conversationIds);
    const refusals = refusalNotes(marks);
    for (const id of conversationIds) {
      readMarks.set(id, (marks.get(META.readPrefix + id) as ReadMark | undefined)?.upToSeq ?? 0);
      deliveredFloors.set(id, (marks.get(META.deliveredPrefix + id) as number | undefined) ?? 0);
      if (options.detectGaps) maxSeqs.set(id, await localMaxSeq(db, id));
    }
    if (options.detectGaps) result.gaps = findGaps(messages, maxSeqs, me);
    const stored = new Set(current.keys());

    const touched: Touched = new Map();
    const facts: GroupFacts = { events: new Map(), ...(options.snapshots ? { snapshots: options.snapshots } : {}) };
    for (const id of options.snapshots?.keys() ?? []) touch(touched, id);
    const writes = new Map<string, StoredMessage>();
    const ownClientIds: string[] = [];
    const owed: string[] = [];
    for (const [i, m] of messages.entries()) {
      const key = keys[i]!;
      const before = current.get(key);
      let after = mergeServerCopy(before, m, me, readMarks.get(m.conversationId), deliveredFloors.get(m.conversationId));
      // This device's actions still queued on it show on top of the server's state (local/pending-actions.ts).
      if (before?.pendingActions || targeted.has(key)) after = showPending(after, contentOf(after), (await actionsOn(db, key)).map(pendingActionOf), me);
      // An action on it refused while the row was not here: shown now, once (up/actions.ts failAction).
      const refused = refusals.take(m.conversationId, key);
      if (refused) after = { ...after, actionError: refused };
      if (m.senderId === me) ownClientIds.push(m.clientId);
      // Stored delivered at once, its receipt owed in a record of this transaction: the row is
      // written once, not again after the ack (local/owed-receipts.ts).
      if (after.reader === me && after.status === 'sent' && after.id) {
        owed.push(after.id);
        after = { ...after, status: 'delivered' };
      }
      // Group changes apply to the conversation whether or not the row changed (idempotent there too).
      if (m.type === 'system' && m.system) {
        facts.events!.set(m.conversationId, [...(facts.events!.get(m.conversationId) ?? []), { seq: m.seq, event: m.system }]);
        touch(touched, m.conversationId);
      }
      if (sameRow(before, after)) continue;
      if (!before) result.inserted++;
      current.set(key, after);
      writes.set(key, after);
      touch(touched, m.conversationId, unreadDelta(before, after, me));
      result.changed.push({ ...m, status: after.status as MessageStatus });
    }
    await putRows(db, store, [...writes.values()], stored);
    await refusals.save(db);
    await oweDelivered(db, me, owed);
    result.owesReceipts = owed.length > 0;
    // The server holds these: whatever the drainer still had queued for them is done.
    if (ownClientIds.length > 0) await db.outbox.bulkDelete(ownClientIds);
    const written: Written = new Map();
    for (const row of writes.values()) {
      const list = written.get(row.conversationId);
      if (list) list.push(row);
      else written.set(row.conversationId, [row]);
    }
    result.newConversations = await refreshConversations(db, touched, me, { facts, written });
    return result;
  });
}

/**
 * A batch's rows, their search words in a record (local/page-words.ts): a few rows (a live event,
 * an ack) in the newest record while it has room, a page's in a record of its own. Messages the
 * device did not hold (`stored` lacks their keys) are added, a page's in blocks; the others are
 * written where they live.
 */
async function putRows(db: LocalDb, store: MessageStore, rows: StoredMessage[], stored: ReadonlySet<string>): Promise<void> {
  if (rows.length === 0) return;
  const newest = rows.length <= OPEN_RECORD_MAX ? await db.wordPages.toCollection().last() : undefined;
  const held = holdWords(rows, fitsOpen(newest, rows.length) ? newest : undefined);
  if (held.page) await db.wordPages.put(held.page);
  await store.addNew(held.rows.filter((r) => !stored.has(r.key)));
  await store.bulkPut(held.rows.filter((r) => stored.has(r.key)));
}

/** From this many conversations in a batch, their positions are read by two range reads. */
const RANGE_FROM = 8;

/**
 * Each conversation's read mark and delivered floor (meta rows by key). A batch over few
 * conversations reads them by key; a page over many (a catch-up: 50 conversations a page, two keyed
 * reads each) reads all marks and floors in two range reads instead: one IndexedDB request each,
 * and there is one mark per conversation at most.
 */
async function positionsOf(db: LocalDb, conversationIds: readonly string[]): Promise<Map<string, unknown>> {
  if (conversationIds.length < RANGE_FROM) {
    const keys = conversationIds.flatMap((id) => [META.readPrefix + id, META.deliveredPrefix + id, META.refusedPrefix + id]);
    const rows = await db.meta.bulkGet(keys);
    return new Map(rows.flatMap((r) => (r ? [[r.key, r.value] as const] : [])));
  }
  const prefixes = [META.readPrefix, META.deliveredPrefix, META.refusedPrefix];
  const found = await Promise.all(prefixes.map((prefix) => db.meta.where('key').startsWith(prefix).toArray()));
  return new Map(found.flat().map((r) => [r.key, r.value] as const));
}

/** The refusals noted for rows that were not here (META.refusedPrefix), taken as the rows come; `save` writes back what is left. */
function refusalNotes(meta: ReadonlyMap<string, unknown>) {
  const taken = new Map<string, Record<string, ActionError>>();
  return {
    take(conversationId: string, key: string): ActionError | undefined {
      const notes = taken.get(conversationId) ?? (meta.get(META.refusedPrefix + conversationId) as Record<string, ActionError> | undefined);
      const error = notes?.[key];
      if (!notes || !error) return undefined;
      const { [key]: _taken, ...rest } = notes;
      taken.set(conversationId, rest);
      return error;
    },
    async save(db: LocalDb): Promise<void> {
      for (const [conversationId, rest] of taken) {
        if (Object.keys(rest).length > 0) await db.setMeta(META.refusedPrefix + conversationId, rest);
        else await db.meta.delete(META.refusedPrefix + conversationId);
      }
    },
  };
}

/** Below this many copies a batch reads its rows by key (a live event, an ack). */
const PROBE_FROM = 32;

/**
 * The stored rows of a batch's keys (undefined where none). A catch-up page brings mostly messages
 * the device has never seen, and a keyed read per copy (one IndexedDB request each, 500 a page)
 * was a tenth of a catch-up's main thread in Chromium (issue #20). So one read of the `id` index
 * (rows) and the `*ids` index (blocks) over the batch's id span first: a copy of someone else's message can only be stored already as
 * an acked row, which carries its id, so only those found there, and our own (a pending row has no
 * id yet), are read by key. When the span holds many more rows than the batch (a page with an
 * old message's edit), the probe stops at its limit and every key is read as before.
 */
async function storedRows(store: MessageStore, messages: readonly Message[], keys: readonly string[], me: string): Promise<(StoredMessage | undefined)[]> {
  if (messages.length < PROBE_FROM) return store.bulkGet(keys);
  let lo: string | null = null;
  let hi: string | null = null;
  for (const m of messages) {
    if (m.senderId === me) continue;
    if (lo === null || m.id < lo) lo = m.id;
    if (hi === null || m.id > hi) hi = m.id;
  }
  const inSpan = lo === null || hi === null ? { keys: [], complete: true } : await store.keysWithIdsIn(lo, hi, 2 * messages.length);
  if (!inSpan.complete) return store.bulkGet(keys);
  const present = new Set<string>(inSpan.keys);
  const wanted = [...new Set(keys.filter((k, i) => messages[i]!.senderId === me || present.has(k)))];
  const rows = new Map((await store.bulkGet(wanted)).map((r, i) => [wanted[i]!, r] as const));
  return keys.map((k) => rows.get(k));
}

/**
 * Raises the status of stored messages by server id, for `me`. Returns the ids not found locally.
 * Nothing when `me` no longer owns the database: a receipt meant for A (received before B signed
 * in) names messages B may hold too, and would move them for B. `rowKeys`: the row keys of those
 * messages when the caller read them already (the receipts owed): one bulkGet instead of a read
 * per id; a row is raised only if it still carries one of `ids`.
 */
export async function applyStatus(outer: LocalDb, ids: readonly string[], status: MessageStatus, me: string, rowKeys?: readonly string[]): Promise<{ unknownIds: string[] }> {
  if (ids.length === 0) return { unknownIds: [] };
  return outer.transaction('rw', [...messageTables(outer), outer.conversations, outer.meta], async (tx) => {
    const db = boundTo(outer, tx); // bound-db.ts: F1
    if (!(await signedInAs(db, me))) return { unknownIds: [] };
    const store = messageStore(db);
    const rows = rowKeys ? await rowsByKey(store, ids, rowKeys) : await store.byIds(ids);
    const found = new Set(rows.map((r) => r.id));
    const touched: Touched = new Map();
    const writes: StoredMessage[] = [];
    for (const row of rows) {
      const next = raiseStatus(row, status);
      if (next === row) continue;
      writes.push(next);
      touch(touched, row.conversationId, unreadDelta(row, next, me));
    }
    await store.bulkPut(writes);
    await refreshConversations(db, touched, me);
    return { unknownIds: ids.filter((id) => !found.has(id)) };
  });
}

async function rowsByKey(store: MessageStore, ids: readonly string[], keys: readonly string[]): Promise<StoredMessage[]> {
  const wanted = new Set(ids);
  return (await store.bulkGet(keys)).filter((r): r is StoredMessage => !!r && !!r.id && wanted.has(r.id));
}
