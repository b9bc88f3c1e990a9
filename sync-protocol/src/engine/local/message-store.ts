/**
 * Every read and write of acked messages goes through here (schema v11): a message is a row of
 * `messages` or in one block of `messageBlocks` (local/message-blocks.ts), and callers need not
 * know which. Pending and failed messages are always rows: code that deals only with them (the
 * unacked index, uploads, discarding a failed one) reads the rows table as before.
 *
 * Use it inside a transaction over `messageTables(db)`: `messageStore(db)` shares the blocks the
 * transaction has read (local/block-cache.ts), so every change to a block lands on the same copy
 * and is written over nothing newer.
 *
 * Writes route by where the message is: a message in a block stays there while `blockable`, and
 * otherwise moves out to a row in the same write. A key the store has not seen is looked up in the
 * blocks' `*keys` index first, so no caller can write a second copy of a message.
 */
import { Dexie, type Transaction } from 'dexie';
import { boundTo } from './bound-db.ts';
import type { LocalDb, StoredMessage } from './local-db.ts';
import { BlockCache, changesOf, type BlockChanges } from './block-cache.ts';
import { blockable, makeBlock, mergeBySeq, newestBlocksAhead, packBlock, type BlockKey, type MessageBlock } from './message-blocks.ts';

/** The tables a transaction over messages takes (both places a message can be). */
export const messageTables = (db: LocalDb) => [db.messages, db.messageBlocks];

/** From this many new messages of one chat in a batch (a sync or history page), they are stored as a block. */
export const BLOCK_FROM = 2;
/** ...and only from a batch of this many (a page): a live message or an ack is a row. */
export const BLOCK_BATCH_FROM = 32;
/**
 * At most this many messages in a block: opening a chat reads its newest block whole, and a page of
 * one busy chat's 500 messages in one record made that read clone ten times the 50 it shows.
 */
export const BLOCK_MAX = 100;

type Keep = (row: StoredMessage) => boolean;
const all: Keep = () => true;

export class MessageStore {
  private readonly where: Map<string, string | null>;

  constructor(
    private readonly db: LocalDb,
    private readonly cache = new BlockCache(),
  ) {
    this.where = cache.where;
  }

  // ——— reads by key and id ———

  async get(key: string): Promise<StoredMessage | undefined> {
    return (await this.bulkGet([key]))[0];
  }

  /** Rows first; the keys not there are looked up in the blocks' `*keys` index. */
  async bulkGet(keys: readonly string[]): Promise<(StoredMessage | undefined)[]> {
    const rows = await this.db.messages.bulkGet([...keys]);
    const missing = keys.filter((k, i) => !rows[i] && !this.where.has(k));
    for (const [i, k] of keys.entries()) if (rows[i]) this.where.set(k, null);
    await this.locate(missing);
    return keys.map((k, i) => rows[i] ?? this.cache.rowIn(k));
  }

  /** Records which block holds each of `keys` (null: none), reading those blocks. */
  async locate(keys: readonly string[]): Promise<void> {
    const todo = [...new Set(keys.filter((k) => !this.where.has(k)))];
    if (todo.length === 0) return;
    // Requested together, awaited in order (not Promise.all: see LocalDb.unreadRowsIn).
    const reads = todo.map((k) => this.db.messageBlocks.where('keys').equals(k).primaryKeys());
    for (const r of reads) r.catch(() => {});
    const found: BlockKey[] = [];
    for (const [i, r] of reads.entries()) {
      const pks = (await r) as unknown as BlockKey[];
      if (pks.length === 0) this.where.set(todo[i]!, null);
      else found.push(pks[0]!);
    }
    await this.cache.load(this.db, found);
  }

  /** The messages with these server ids (each id once at most). */
  async byIds(ids: readonly string[]): Promise<StoredMessage[]> {
    const unique = [...new Set(ids)];
    // One keyed read per id, not `anyOf` (a cursor over the ids' whole span): a receipt batch names
    // ids spread over the whole index, and fake-indexeddb restarts every cursor step from the start
    // of its range (1,000 delivered receipts walked ~20,000 entries each step once: 9.7 s of a
    // 20,000-message catch-up, issue #20). Keyed reads cost the same in a browser.
    const rowReads = unique.map((id) => this.db.messages.where('id').equals(id).toArray());
    const blockReads = unique.map((id) => this.db.messageBlocks.where('ids').equals(id).primaryKeys());
    for (const r of rowReads) r.catch(() => {});
    for (const r of blockReads) r.catch(() => {});
    const out: StoredMessage[] = [];
    for (const r of rowReads) for (const row of await r) {
      this.where.set(row.key, null);
      out.push(row);
    }
    const pks: BlockKey[] = [];
    for (const r of blockReads) pks.push(...((await r) as unknown as BlockKey[]));
    const wanted = new Set(unique);
    for (const block of await this.cache.load(this.db, pks)) for (const row of block.rows) if (wanted.delete(row.id!)) out.push(row);
    return out;
  }

  async byId(id: string): Promise<StoredMessage | undefined> {
    return (await this.byIds([id]))[0];
  }

  /** The keys of the messages whose id is in [lo, hi], up to `limit` of them (the ids index of both tables). */
  async keysWithIdsIn(lo: string, hi: string, limit: number): Promise<{ keys: string[]; complete: boolean }> {
    const rowKeys = (await this.db.messages.where('id').between(lo, hi, true, true).limit(limit).primaryKeys()) as string[];
    for (const k of rowKeys) this.where.set(k, null);
    const pks = (await this.db.messageBlocks.where('ids').between(lo, hi, true, true).limit(limit).primaryKeys()) as unknown as BlockKey[];
    if (rowKeys.length >= limit || pks.length >= limit) return { keys: rowKeys, complete: false };
    const keys = [...rowKeys];
    for (const block of await this.cache.load(this.db, pks)) for (const row of block.rows) if (row.id! >= lo && row.id! <= hi) keys.push(row.key);
    return { keys, complete: true };
  }

  // ——— reads of a chat, in seq order ———

  /**
   * A chat's acked messages with lo < seq < hi that `keep` accepts: the `limit` newest of them
   * (`newest`) or oldest, in ascending seq either way.
   */
  async range(conversationId: string, o: { lo?: number; hi?: number; limit?: number; newest?: boolean; keep?: Keep }): Promise<StoredMessage[]> {
    const lo = o.lo ?? -Infinity;
    const hi = o.hi ?? Infinity;
    const limit = o.limit ?? Infinity;
    const keep = o.keep ?? all;
    if (limit <= 0) return [];
    let rowsQuery = this.db.messages.where('[conversationId+seq]').between([conversationId, lo], [conversationId, hi], false, false);
    if (o.newest) rowsQuery = rowsQuery.reverse();
    if (o.keep) rowsQuery = rowsQuery.filter(keep);
    if (limit !== Infinity) rowsQuery = rowsQuery.limit(limit);
    const rowsRead = rowsQuery.toArray();
    // The chat's blocks that may hold seqs below hi (a block's interval starts at its firstSeq).
    const pksRead = this.db.messageBlocks.where('[conversationId+firstSeq]').between([conversationId, Dexie.minKey], [conversationId, hi], true, false).primaryKeys();
    pksRead.catch(() => {});
    const rows = await rowsRead;
    for (const r of rows) this.where.set(r.key, null);
    if (o.newest) rows.reverse();
    const pks = (await pksRead) as unknown as BlockKey[];
    const fromBlocks: StoredMessage[] = [];
    const inRange = (r: StoredMessage) => r.seq! > lo && r.seq! < hi && keep(r);
    if (o.newest) {
      const ahead = newestBlocksAhead(pks.map((pk) => pk[1]), hi, limit, lo);
      if (ahead > 1) await this.cache.load(this.db, pks.slice(-ahead));
      for (let i = pks.length - 1; i >= 0 && fromBlocks.length < limit; i--) {
        const block = await this.cache.block(this.db, pks[i]!);
        const taken = block.rows.filter(inRange);
        fromBlocks.unshift(...taken.slice(Math.max(0, taken.length - (limit - fromBlocks.length))));
        if (block.firstSeq <= lo) break; // blocks before it end below its firstSeq
      }
    } else {
      // Blocks before lo end below their successor's firstSeq: only the last one of them may reach past lo.
      let start = 0;
      for (let i = 0; i < pks.length; i++) if (pks[i]![1] <= lo) start = i;
      for (let i = start; i < pks.length && fromBlocks.length < limit; i++) {
        const taken = (await this.cache.block(this.db, pks[i]!)).rows.filter(inRange);
        fromBlocks.push(...taken.slice(0, limit - fromBlocks.length));
      }
    }
    const merged = mergeBySeq(rows, fromBlocks);
    if (limit === Infinity) return merged;
    return o.newest ? merged.slice(Math.max(0, merged.length - limit)) : merged.slice(0, limit);
  }

  /** The newest acked message of a chat that `keep` accepts. */
  async last(conversationId: string, keep?: Keep): Promise<StoredMessage | undefined> {
    return (await this.range(conversationId, { newest: true, limit: 1, ...(keep ? { keep } : {}) }))[0];
  }

  async first(conversationId: string): Promise<StoredMessage | undefined> {
    return (await this.range(conversationId, { limit: 1 }))[0];
  }

  /** A chat's incoming messages not read yet (`sent` or `delivered`) for `reader`. */
  async unreadIn(reader: string, conversationId: string): Promise<StoredMessage[]> {
    const rows = await this.db.unreadRowsIn(reader, conversationId);
    for (const r of rows) this.where.set(r.key, null);
    const pks = [
      ...((await this.db.messageBlocks.where('unread').equals([reader, 'sent', conversationId]).primaryKeys()) as unknown as BlockKey[]),
      ...((await this.db.messageBlocks.where('unread').equals([reader, 'delivered', conversationId]).primaryKeys()) as unknown as BlockKey[]),
    ];
    for (const block of await this.cache.load(this.db, pks)) {
      for (const r of block.rows) if (r.reader === reader && (r.status === 'sent' || r.status === 'delivered')) rows.push(r);
    }
    return rows;
  }

  /** Up to `limit` incoming messages still stored `sent` (their delivery receipts not acked yet), in any chat. */
  async sentIncoming(reader: string, limit: number): Promise<StoredMessage[]> {
    const rows = await this.db.sentIncomingRows(reader).limit(limit).toArray();
    for (const r of rows) this.where.set(r.key, null);
    if (rows.length >= limit) return rows;
    const pks = (await this.db.messageBlocks.where('unread').between([reader, 'sent', Dexie.minKey], [reader, 'sent', Dexie.maxKey]).primaryKeys()) as unknown as BlockKey[];
    for (const block of await this.cache.load(this.db, pks)) {
      for (const r of block.rows) if (r.reader === reader && r.status === 'sent' && rows.length < limit) rows.push(r);
    }
    return rows;
  }

  // ——— writes ———

  /** Writes rows where their messages live (a block, while they may stay there; otherwise a row). */
  async bulkPut(rows: readonly StoredMessage[]): Promise<void> {
    if (rows.length === 0) return;
    await this.locate(rows.filter((r) => r.seq !== null).map((r) => r.key));
    const toRows: StoredMessage[] = [];
    const changes: BlockChanges = new Map();
    for (const row of rows) {
      const at = this.where.get(row.key);
      if (at && blockable(row)) changesOf(changes, at).put.set(row.key, row);
      else {
        if (at) changesOf(changes, at).remove.add(row.key);
        toRows.push(row);
        this.where.set(row.key, null);
      }
    }
    await this.cache.write(this.db, changes);
    if (toRows.length > 0) await this.db.messages.bulkPut(toRows);
  }

  async put(row: StoredMessage): Promise<void> {
    await this.bulkPut([row]);
  }

  async bulkDelete(keys: readonly string[]): Promise<void> {
    await this.locate(keys);
    const changes: BlockChanges = new Map();
    for (const k of keys) {
      const at = this.where.get(k);
      if (!at) continue;
      changesOf(changes, at).remove.add(k);
      this.where.set(k, null);
    }
    await this.cache.write(this.db, changes);
    await this.db.messages.bulkDelete([...keys]);
  }

  /**
   * Stores messages the device did not hold (the caller read their keys through this store and
   * found nothing). A page's blockable ones go into one new block per chat where the chat's blocks
   * leave their seq interval free; the rest are rows.
   */
  async addNew(rows: readonly StoredMessage[]): Promise<void> {
    const toRows: StoredMessage[] = [];
    const byChat = new Map<string, StoredMessage[]>();
    for (const r of rows) {
      if (rows.length < BLOCK_BATCH_FROM || !blockable(r)) toRows.push(r);
      else {
        const list = byChat.get(r.conversationId);
        if (list) list.push(r);
        else byChat.set(r.conversationId, [r]);
      }
    }
    const candidates = [...byChat.values()].filter((list) => list.length >= BLOCK_FROM);
    for (const list of byChat.values()) if (list.length < BLOCK_FROM) toRows.push(...list);
    // Whether each chat's interval is free: the first block ending at or above its lowest seq must start above its highest.
    const checks = candidates.map((list) => {
      const seqs = list.map((r) => r.seq!);
      const lo = Math.min(...seqs);
      const hi = Math.max(...seqs);
      const read = this.db.messageBlocks.where('[conversationId+lastSeq]').between([list[0]!.conversationId, lo], [list[0]!.conversationId, Dexie.maxKey], true, true).limit(1).primaryKeys();
      read.catch(() => {});
      return { list, hi, read };
    });
    const blocks: MessageBlock[] = [];
    for (const { list, hi, read } of checks) {
      const next = ((await read) as unknown as BlockKey[])[0];
      if (next && next[1] <= hi) toRows.push(...list);
      else {
        const sorted = [...list].sort((a, b) => a.seq! - b.seq!);
        for (let i = 0; i < sorted.length; i += BLOCK_MAX) blocks.push(makeBlock(sorted.slice(i, i + BLOCK_MAX)));
      }
    }
    for (const b of blocks) this.cache.remember(b);
    if (blocks.length > 0) await this.db.messageBlocks.bulkAdd(blocks.map(packBlock));
    for (const r of toRows) this.where.set(r.key, null);
    if (toRows.length > 0) await this.db.messages.bulkPut(toRows);
  }
}

/** The blocks each IndexedDB transaction has read, so every caller inside one shares them (see the header). */
const caches = new WeakMap<object, BlockCache>();

/**
 * The message store of the transaction `db` is in: a database bound to a transaction (bound-db.ts)
 * carries it in its tables, otherwise Dexie's current one. Outside a transaction, a store of its own
 * (each of its reads and writes then commits alone, as a table's would).
 *
 * The store's I/O always goes through tables bound to the transaction, never through Dexie's zone:
 * its reads nest a few async calls deep, and in Chromium a chain like that lost the zone (F1,
 * bound-db.ts), so a read went to a transaction of its own while the caller's committed with
 * nothing pending (a PrematureCommitError in the chat's live query, found by the e2e suite; fake-
 * indexeddb keeps a transaction open longer and never showed it).
 */
export function messageStore(db: LocalDb): MessageStore {
  const own = (db.messageBlocks as unknown as { _tx?: Transaction })._tx;
  const tx = own ?? Dexie.currentTransaction;
  if (!tx) return new MessageStore(db);
  // Keyed by the IndexedDB transaction: a nested Dexie transaction is another object over the same one.
  const key = (tx as { idbtrans?: object }).idbtrans ?? tx;
  let shared = caches.get(key);
  if (!shared) caches.set(key, (shared = new BlockCache()));
  // The caller's transaction's tables, the IndexedDB transaction's blocks: a nested Dexie transaction ends before its parent.
  return new MessageStore(own ? db : boundTo(db, tx), shared);
}
