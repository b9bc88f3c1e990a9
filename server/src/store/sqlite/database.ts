import Database from 'better-sqlite3';
import { ensurePrivateDatabaseFile } from '../../files/private-files.ts';
import { ensureSchema } from './schema.ts';

export type SqliteDatabase = Database.Database;

/** Opens (creating if needed) a store file with the durability settings the store relies on, and its schema. */
export function openDatabase(file: string): SqliteDatabase {
  // ':memory:' and '' (temporary) databases have no file to protect.
  if (file !== ':memory:' && file !== '') ensurePrivateDatabaseFile(file);
  const db = new Database(file);
  try {
    // WAL: readers never block the writer, and a commit is one sequential append.
    db.pragma('journal_mode = WAL');
    // FULL fsyncs the WAL at every commit: an acked message survives power loss.
    // Group commit (one transaction per batch) is what keeps this affordable.
    db.pragma('synchronous = FULL');
    // Another process (a CLI, a second server on the same file) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    // The default 2 MB page cache is outgrown by the message indexes within ~50k messages;
    // measured on 200k random-pair sends, 64 MB cut CPU per send by about a fifth.
    // It is an upper bound, filled only as pages are read.
    db.pragma('cache_size = -65536');
    // A group commit dirties a leaf page per insertion point (per conversation, per user in each
    // index): hundreds of pages, so the default checkpoint (every 1,000 WAL pages) ran at almost
    // every commit and copied the same hot pages again and again. 10,000 pages (~40 MB of WAL)
    // checkpoints a hot page once per ten commits: −25 % CPU per message at 150k messages.
    // The server's store also runs a background checkpointer (checkpointer.mjs) that keeps the
    // WAL well below this, so here it is the backstop, and what little is left is copied here.
    db.pragma('wal_autocheckpoint = 10000');
    ensureSchema(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
