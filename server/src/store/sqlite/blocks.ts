import type { Store } from '../store.ts';
import type { SqliteDatabase } from './database.ts';

type BlockMethods = Pick<Store, 'blockUser' | 'unblockUser' | 'blockedBy' | 'blockersOf' | 'isBlockedEitherWay'>;

/** Blocks on the store's connection (table `blocks`, schema version 4). */
export function sqliteBlocks(db: SqliteDatabase): BlockMethods {
  const st = {
    // Blocking twice keeps the first time: the block has existed since then.
    insert: db.prepare<[string, string, string]>(
      `INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    remove: db.prepare<[string, string]>(`DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?`),
    blockedBy: db.prepare<[string], string>(`SELECT blocked_id FROM blocks WHERE blocker_id = ? ORDER BY created_at, blocked_id`).pluck(),
    blockersOf: db.prepare<[string], string>(`SELECT blocker_id FROM blocks WHERE blocked_id = ? ORDER BY blocker_id`).pluck(),
    eitherWay: db.prepare<{ a: string; b: string }, number>(`
      SELECT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = @a AND blocked_id = @b)
          OR EXISTS (SELECT 1 FROM blocks WHERE blocker_id = @b AND blocked_id = @a)`).pluck(),
  };

  return {
    async blockUser(blockerId, blockedId, at) {
      st.insert.run(blockerId, blockedId, at);
    },
    async unblockUser(blockerId, blockedId) {
      st.remove.run(blockerId, blockedId);
    },
    async blockedBy(userId) {
      return st.blockedBy.all(userId);
    },
    async blockersOf(userId) {
      return st.blockersOf.all(userId);
    },
    async isBlockedEitherWay(a, b) {
      return st.eitherWay.get({ a, b }) === 1;
    },
  };
}
