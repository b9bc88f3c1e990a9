import { join } from 'node:path';
import { ensurePrivateDir } from '../files/private-files.ts';
import type { Logger } from '../log.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  /** Where the SQLite file lives (created if missing); unused with MongoDB. */
  dataDir: string;
  /** When set, MongoDB is the store and dataDir holds no messages. */
  mongodbUri?: string | undefined;
  /** Defaults to the database named in the URI, else `pigeon`. */
  mongoDbName?: string | undefined;
  /** MongoDB: commands taking at least this long are logged (0 or unset: off). */
  mongoSlowCommandMs?: number | undefined;
  /** Told about trouble the store survives (the SQLite background checkpointer failing). */
  log?: Logger | undefined;
}

export const SQLITE_FILE_NAME = 'pigeon.sqlite';

/**
 * Opens the configured store. Both back ends are loaded on demand, so a MongoDB
 * deployment never loads the native SQLite addon, and vice versa.
 */
export async function openStore({ dataDir, mongodbUri, mongoDbName, mongoSlowCommandMs, log }: OpenStoreOptions): Promise<Store> {
  if (mongodbUri) {
    const { createMongoStore } = await import('./mongo/mongo-store.ts');
    return createMongoStore({ uri: mongodbUri, dbName: mongoDbName, ...(mongoSlowCommandMs && log ? { slowCommands: { thresholdMs: mongoSlowCommandMs, log } } : {}) });
  }
  await ensurePrivateDir(dataDir);
  // On its own thread, so a group commit never stops the event loop (docs/benchmarks.md, finding 1).
  const { createThreadedSqliteStore } = await import('./sqlite/worker/threaded-store.ts');
  return createThreadedSqliteStore({
    file: join(dataDir, SQLITE_FILE_NAME),
    onCheckpointError: (err) => log?.warn({ err }, 'SQLite background checkpointer failed; the writer checkpoints by itself'),
  });
}
