/**
 * The BlobStore that goes with the Store (docs/operations.md, "Attachments"): files under
 * DATA_DIR/attachments with SQLite, GridFS in the same database with MongoDB (so every node of a
 * cluster sees every upload, and a resumed upload may land on another node). Loaded on demand,
 * like the stores, so a SQLite deployment never loads the GridFS code.
 */
import { join } from 'node:path';
import type { Db } from 'mongodb';
import { ensurePrivateDir } from '../files/private-files.ts';
import type { Store } from '../store/store.ts';
import type { BlobStore } from './blob-store.ts';

export const ATTACHMENTS_DIR_NAME = 'attachments';

export async function openBlobStore(store: Store, dataDir: string): Promise<BlobStore> {
  if (store.kind === 'mongodb') {
    const db = (store as Store & { db?: Db }).db;
    if (!db) throw new Error('a MongoDB store without its Db handle: cannot open GridFS');
    const { createGridFsBlobStore } = await import('./gridfs-blob-store.ts');
    return createGridFsBlobStore(db);
  }
  const { createDiskBlobStore } = await import('./disk-blob-store.ts');
  // Private like the rest of DATA_DIR (files/private-files.ts): 0700, whatever the umask; staging inside it.
  const dir = join(dataDir, ATTACHMENTS_DIR_NAME);
  await ensurePrivateDir(join(dir, 'staging'));
  await ensurePrivateDir(dir);
  return createDiskBlobStore(dir);
}
