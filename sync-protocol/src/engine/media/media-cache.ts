/**
 * The download cache: blobs by attachment id (`<id>` the file, `<id>#thumb` the server's
 * thumbnail) in IndexedDB, within a budget, least recently used evicted first (eviction.ts) after
 * every insert and budget change. A bookkeeping row per blob (`media`: size, usedAt) and the bytes
 * apart (`mediaBytes`), so that counting and evicting never read a blob. The budget is kept in
 * meta (null: keep everything), across account switches; the cache itself is the data owner's
 * and goes with it (local/session.ts).
 */
import { PigeonError } from '../../errors.ts';
import { META, type LocalDb } from '../local/local-db.ts';
import { evictionPlan } from './eviction.ts';

export type Variant = 'full' | 'thumb';

export const cacheKey = (attachmentId: string, variant: Variant = 'full'): string => (variant === 'thumb' ? `${attachmentId}#thumb` : attachmentId);

/**
 * Use times strictly increasing within a tab, so that two reads in the same millisecond still
 * have an order (the least recently used is then well-defined).
 */
let lastUse = 0;
export const useTime = (): number => (lastUse = Math.max(Date.now(), lastUse + 1));

export class MediaCache {
  constructor(
    private readonly db: LocalDb,
    private readonly defaultBudget: number,
  ) {}

  /** The cached blob, marked used now; undefined when not cached. */
  async get(key: string): Promise<Blob | undefined> {
    const { db } = this;
    return db.transaction('rw', [db.media, db.mediaBytes], async () => {
      const row = await db.mediaBytes.get(key);
      if (!row) return undefined;
      await db.media.update(key, { usedAt: useTime() });
      return row.blob;
    });
  }

  async has(key: string): Promise<boolean> {
    return (await this.db.media.get(key)) !== undefined;
  }

  /** Caches `blob` under `key`, then trims the cache to its budget. */
  async put(key: string, blob: Blob): Promise<void> {
    const { db } = this;
    await db.transaction('rw', [db.media, db.mediaBytes], () => putRow(db, key, blob));
    await this.trim();
  }

  async budget(): Promise<number | null> {
    const stored = await this.db.getMeta<number | null>(META.mediaBudget);
    return stored === undefined ? this.defaultBudget : stored;
  }

  async setBudget(bytes: number | null): Promise<void> {
    if (bytes !== null && !(Number.isSafeInteger(bytes) && bytes >= 0)) throw new PigeonError('VALIDATION', 'budget: a whole number of bytes ≥ 0, or null');
    await this.db.setMeta(META.mediaBudget, bytes);
    await this.trim();
  }

  /** Bytes cached now. */
  async usage(): Promise<number> {
    let total = 0;
    await this.db.media.each((row) => {
      total += row.size;
    });
    return total;
  }

  /** Evicts the least recently used blobs until the cache fits its budget (one transaction). */
  async trim(): Promise<void> {
    const { db } = this;
    await db.transaction('rw', [db.media, db.mediaBytes, db.meta], async () => {
      const evict = evictionPlan(await db.media.toArray(), await this.budget());
      if (evict.length === 0) return;
      await db.media.bulkDelete(evict);
      await db.mediaBytes.bulkDelete(evict);
    });
  }
}

/** Writes one cached blob; inside a rw transaction over media and mediaBytes. */
export async function putRow(db: LocalDb, key: string, blob: Blob): Promise<void> {
  await db.media.put({ key, size: blob.size, usedAt: useTime() });
  await db.mediaBytes.put({ key, blob });
}
