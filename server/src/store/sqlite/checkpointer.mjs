// Plain JavaScript (typed by checkpointer.d.mts): it runs on its own thread, which loads it
// directly in ~40 ms instead of the ~190 ms a TypeScript loader costs per thread.
import Database from 'better-sqlite3';

/**
 * A second connection to a store file that only copies WAL frames into the main file.
 *
 * Why: a checkpoint run by the writing connection (SQLite's automatic one, every
 * `wal_autocheckpoint` pages) copies thousands of hot pages and fsyncs the main file
 * inside the commit that crossed the threshold, and every send waiting for that commit
 * waits with it (docs/benchmarks.md, finding 1). A PASSIVE checkpoint on this connection
 * runs beside the writer without blocking it. When it has copied every frame, the
 * writer's next transaction starts the WAL over; when it could not keep up, the writer's
 * automatic checkpoint finds little left to copy. Nothing depends on it for correctness:
 * without it the writer checkpoints as before.
 *
 * @param {string} file
 * @returns {import('./checkpointer.d.mts').Checkpointer}
 */
export function openCheckpointer(file) {
  // fileMustExist: the writer created the file and its schema; a wrong path must not make an empty one.
  const db = new Database(file, { fileMustExist: true });
  // FULL: fsync the WAL before copying and the main file after, as the writer's checkpoint would.
  db.pragma('synchronous = FULL');
  const statement = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  return {
    round() {
      const row = /** @type {{ busy: number, log: number, checkpointed: number }} */ (statement.get());
      return { busy: row.busy !== 0, walFrames: row.log, checkpointed: row.checkpointed };
    },
    close() {
      db.close();
    },
  };
}
