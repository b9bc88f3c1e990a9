/**
 * The blocks one IndexedDB transaction has read (local/message-store.ts): each block at most once,
 * so every change to it in the transaction lands on the same copy, and where each key it has
 * looked up lives. Shared by every MessageStore over the transaction; the I/O goes through the
 * tables of the store that asks (a nested Dexie transaction ends before its parent).
 */
import type { LocalDb, StoredMessage } from './local-db.ts';
import { blockId, blockKeyOf, changedBlock, packBlock, unpackBlock, type BlockKey, type MessageBlock } from './message-blocks.ts';

/** Per block (by blockId): the rows to replace, by key, and the keys to take out. */
export type BlockChanges = Map<string, { put: Map<string, StoredMessage>; remove: Set<string> }>;

/** The changes to block `id` in `changes`, made empty when there are none yet. */
export function changesOf(changes: BlockChanges, id: string): { put: Map<string, StoredMessage>; remove: Set<string> } {
  let c = changes.get(id);
  if (!c) changes.set(id, (c = { put: new Map(), remove: new Set() }));
  return c;
}

export class BlockCache {
  /** Blocks read, by blockId, as changed so far in the transaction. */
  private readonly blocks = new Map<string, MessageBlock>();
  /** Where a key lives: a blockId, or null (a row, or nowhere) once known. */
  readonly where = new Map<string, string | null>();
  /** A block's rows by key, made when first asked for. */
  private readonly byKey = new WeakMap<MessageBlock, Map<string, StoredMessage>>();

  /** The message of `key` in the block the cache knows it in (undefined: in none). */
  rowIn(key: string): StoredMessage | undefined {
    const at = this.where.get(key);
    if (!at) return undefined;
    const block = this.blocks.get(at)!;
    let byKey = this.byKey.get(block);
    if (!byKey) this.byKey.set(block, (byKey = new Map(block.rows.map((r) => [r.key, r]))));
    return byKey.get(key);
  }

  async block(db: LocalDb, pk: BlockKey): Promise<MessageBlock> {
    return (await this.load(db, [pk]))[0]!;
  }

  /**
   * The blocks of `pks`, each once, in the order first named (an index read names a block once per
   * entry of it): those not read yet are read, and where each of their keys lives is noted.
   */
  async load(db: LocalDb, pks: readonly BlockKey[]): Promise<MessageBlock[]> {
    const named = new Map(pks.map((pk) => [blockId(pk), pk] as const));
    const wanted = [...named].filter(([id]) => !this.blocks.has(id));
    if (wanted.length > 0) {
      const read = await db.messageBlocks.bulkGet(wanted.map(([, pk]) => pk));
      for (const [i, [id]] of wanted.entries()) {
        const b = read[i];
        if (!b) throw new Error(`message block ${id} vanished inside its transaction`);
        this.remember(unpackBlock(b));
      }
    }
    return [...named.keys()].map((id) => this.blocks.get(id)!);
  }

  /** Notes a block read or made in the transaction, and that its keys live there. */
  remember(block: MessageBlock): void {
    const id = blockId(blockKeyOf(block));
    this.blocks.set(id, block);
    for (const k of block.keys) this.where.set(k, id);
  }

  /** Writes the changed blocks (a block left empty is deleted). */
  async write(db: LocalDb, changes: BlockChanges): Promise<void> {
    const puts: MessageBlock[] = [];
    const deletes: BlockKey[] = [];
    for (const [id, c] of changes) {
      const before = this.blocks.get(id)!;
      const after = changedBlock(before, c.put, c.remove);
      if (after) {
        this.blocks.set(id, after);
        puts.push(after);
      } else {
        this.blocks.delete(id);
        deletes.push(blockKeyOf(before));
      }
    }
    if (puts.length > 0) await db.messageBlocks.bulkPut(puts.map(packBlock));
    if (deletes.length > 0) await db.messageBlocks.bulkDelete(deletes);
  }
}
