/**
 * Message blocks (schema v11, issue #20): the acked messages one sync or history page brought for
 * one chat, stored as ONE IndexedDB record instead of a record each. Chromium's IndexedDB pays per
 * record (a 20,000-message catch-up stored as rows spent most of its time waiting on it, however
 * few indexes the rows had: docs/benchmarks.md, storage-layouts), so a page of 500 messages over 50
 * chats costs 50 records here, not 500.
 *
 * A message lives in exactly one place: a row of `messages` or one block (docs/sync-protocol.md
 * section 12). Only rows that need no index of their own may stay in a block (`blockable`): acked,
 * with no action of this device queued on them, their search words held by a word record
 * (local/page-words.ts). A write that makes a message otherwise moves it out to a row
 * (local/message-store.ts), where the write middleware indexes it as before.
 *
 * The blocks of one chat never overlap in seq: each is an interval [firstSeq, lastSeq], so reading
 * a chat newest first walks its blocks by `firstSeq` and stops as soon as it has enough. This file
 * is the pure part: building a block and changing its rows.
 */
import type { StoredMessage } from './local-db.ts';
import { heldWordsCurrent } from './page-words.ts';
import { wordsOf } from './search-words.ts';

/** An incoming message's entry in the `*unread` index: `[reader, status, conversationId]`, like the rows' `[reader+status+conversationId]`. */
export type UnreadKey = [reader: string, status: string, conversationId: string];

export interface MessageBlock {
  conversationId: string;
  /** With conversationId the primary key: fixed when the block is made, even if its first message moves out. */
  firstSeq: number;
  /** The highest seq it was made with (an upper bound once messages move out): `[conversationId+lastSeq]` tells overlaps. */
  lastSeq: number;
  /** Its messages' row keys and server ids, in `rows` order (multiEntry indexes: reads by key and by id). */
  keys: string[];
  ids: string[];
  /** The distinct UnreadKeys of its incoming messages not read yet (multiEntry): unread counts and owed receipts. */
  unread: UnreadKey[];
  /** The messages, in seq order, without the fields only row indexes need (`words`, `unacked`). */
  rows: StoredMessage[];
}

/**
 * A block as IndexedDB holds it: its rows as one JSON text (`packedRows`), the rest as in
 * MessageBlock. To store a record, Chromium's IndexedDB serializes it, deserializes a copy to read
 * its index keys from, and sends both to the browser process; a block's hundred row objects were
 * most of that work, on the page's main thread. A text is copied whole, not walked, and rows are
 * plain data (strings, numbers, flags, arrays and objects of them): JSON keeps them as they are.
 * Blocks written before packing (schema v11 as first shipped) hold `rows`: they are read as they
 * are, and packed when next written. In the engine only these two functions know the stored
 * shape (a test helper that edits IndexedDB raw, client/e2e/search-helpers.ts, follows it too).
 */
export type BlockRecord = Omit<MessageBlock, 'rows'> & ({ packedRows: string; rows?: undefined } | { rows: StoredMessage[]; packedRows?: undefined });

export function packBlock(block: MessageBlock): BlockRecord {
  const { rows, ...rest } = block;
  return { ...rest, packedRows: JSON.stringify(rows) };
}

export function unpackBlock(record: BlockRecord): MessageBlock {
  if (record.packedRows === undefined) return record as MessageBlock;
  const { packedRows, ...rest } = record;
  return { ...rest, rows: JSON.parse(packedRows) as StoredMessage[] };
}

/** A block's primary key. */
export type BlockKey = [conversationId: string, firstSeq: number];

export const blockKeyOf = (block: Pick<MessageBlock, 'conversationId' | 'firstSeq'>): BlockKey => [block.conversationId, block.firstSeq];

/** A block key as a Map key. */
export const blockId = ([conversationId, firstSeq]: BlockKey): string => `${firstSeq}:${conversationId}`;

/** Whether a message may live in a block: no index of the `messages` table needs an entry for it. */
export function blockable(row: StoredMessage): boolean {
  if (row.seq === null || !row.id || row.pendingAt !== undefined) return false;
  // Queued actions are found through the row (its overlay, `base`), refusals are shown on it.
  if (row.pendingActions || row.base || row.actionError) return false;
  // Its search words must be in a word record: a row whose words changed (an edit) is indexed as a row.
  return heldWordsCurrent(row) || wordsOf(row).length === 0;
}

const unreadStatus = (status: string): boolean => status === 'sent' || status === 'delivered';

function unreadKeysOf(rows: readonly StoredMessage[]): UnreadKey[] {
  const seen = new Map<string, UnreadKey>();
  for (const r of rows) {
    if (!r.reader || !unreadStatus(r.status)) continue;
    seen.set(`${r.reader}\u0000${r.status}`, [r.reader, r.status, r.conversationId]);
  }
  return [...seen.values()];
}

/** The row as a block stores it: without the fields of the row indexes. */
function stripped(row: StoredMessage): StoredMessage {
  if (row.words === undefined && row.unacked === undefined) return row;
  const { words: _words, unacked: _unacked, ...rest } = row;
  return rest;
}

/** A block of `rows` (one chat's, acked, blockable), ordered by seq. */
export function makeBlock(rows: readonly StoredMessage[]): MessageBlock {
  const sorted = rows.map(stripped).sort((a, b) => a.seq! - b.seq!);
  const first = sorted[0]!;
  return {
    conversationId: first.conversationId,
    firstSeq: first.seq!,
    lastSeq: sorted.at(-1)!.seq!,
    keys: sorted.map((r) => r.key),
    ids: sorted.map((r) => r.id!),
    unread: unreadKeysOf(sorted),
    rows: sorted,
  };
}

/**
 * The block after replacing some of its rows (`put`, by key) and taking others out (`remove`);
 * null when nothing is left. A message's seq never changes, so the order holds.
 */
export function changedBlock(block: MessageBlock, put: ReadonlyMap<string, StoredMessage>, remove: ReadonlySet<string>): MessageBlock | null {
  const rows: StoredMessage[] = [];
  for (const r of block.rows) {
    if (remove.has(r.key)) continue;
    const next = put.get(r.key);
    rows.push(next ? stripped(next) : r);
  }
  if (rows.length === 0) return null;
  return { ...block, keys: rows.map((r) => r.key), ids: rows.map((r) => r.id!), unread: unreadKeysOf(rows), rows };
}

/** Two runs of rows, each in ascending seq, as one in ascending seq. */
export function mergeBySeq(a: readonly StoredMessage[], b: readonly StoredMessage[]): StoredMessage[] {
  if (a.length === 0) return [...b];
  if (b.length === 0) return [...a];
  const out: StoredMessage[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]!.seq! <= b[j]!.seq! ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** At most this many blocks are read ahead in one round trip (`newestBlocksAhead`). */
export const BLOCKS_AHEAD_MAX = 8;

/**
 * How many of a chat's newest blocks (their `firstSeqs`, ascending; all below `hi`) to read at once
 * for its `limit` newest messages between `lo` and `hi`: read one at a time, a chat's first window waited for a
 * round trip to IndexedDB per block (3–4 when a chat opens, #20). A block holds no more messages than
 * the seqs from its firstSeq to the next block's (or to `hi`); without `hi` the newest block counts as
 * one message (an empty block is deleted), so a chat's last message is one read; none below the block
 * that starts at or below `lo` is needed. An estimate: the caller reads on, one block at a time, when
 * rows moved out of these blocks or hidden ones leave it short.
 */
export function newestBlocksAhead(firstSeqs: readonly number[], hi: number, limit: number, lo = -Infinity, max = BLOCKS_AHEAD_MAX): number {
  let covered = 0;
  let upper = hi;
  let n = 0;
  for (let i = firstSeqs.length - 1; i >= 0 && n < max; i--) {
    n++;
    covered += Number.isFinite(upper) ? upper - firstSeqs[i]! : 1;
    if (covered >= limit || firstSeqs[i]! <= lo) break;
    upper = firstSeqs[i]!;
  }
  return n;
}
