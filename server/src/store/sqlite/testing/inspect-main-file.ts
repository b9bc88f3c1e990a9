import { copyFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * For tests: how many messages the main database file holds on its own,
 * i.e. what checkpoints have copied out of the WAL so far. Reads a copy of the file
 * without its WAL (0 while not even the schema has been checkpointed).
 */
export function messagesInMainFile(file: string, scratchFile: string): number {
  copyFileSync(file, scratchFile);
  const db = new Database(scratchFile);
  try {
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'messages'").get()) return 0;
    return (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(scratchFile + suffix, { force: true });
  }
}
