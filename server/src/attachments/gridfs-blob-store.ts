/**
 * BlobStore on MongoDB (blob-store.ts): committed blobs in GridFS through the driver's
 * GridFSBucket (bucket `attachments`: collections attachments.files / attachments.chunks), staged
 * uploads in two collections of their own, so a resumed upload may land on any node:
 *  - `attachments.uploads`: one head per upload, `{ _id: key, size, updatedAt }`;
 *  - `attachments.staging`: its bytes as parts of at most PART_BYTES, `{ _id: '<key>#<n>', key, n,
 *    end, data }`, n = 0, 1, 2 … in byte order, `end` the offset after it.
 * Where an upload stands is its last part's `end` (one read, without the bytes). Who appends
 * there is decided by the parts' `_id`s: an append continues at part n + 1, and inserting an `_id`
 * is atomic (FerretDB included), so of two appends to one upload from one place, on two nodes,
 * exactly one writes that part; the other is CONFLICT. A node dying mid-append leaves whole parts
 * only, so the next append continues after the last.
 *
 * Reads of the parts go by `(key, n)` (index `key_n`) in one cursor per commit or read, not one
 * read per part: on FerretDB 1.x (the test server) every query, even by `_id`, costs a pass over
 * the whole collection's bytes (a 255 KiB part read by `_id` took ~150 ms with 16 MiB staged, so
 * part-by-part reads made a 16 MiB commit take 25 s). GridFSBucket has the same cost there (its
 * download is one `files_id` query over all chunks): fine on MongoDB, slow on FerretDB as it grows.
 *
 * Memory: an append buffers one part at most; a commit, a read or readStaged holds one part or one
 * GridFS chunk at a time. A cut body keeps the bytes before the cut (the buffered part is
 * written before the error is passed on).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PigeonError } from '@pigeon/sync-protocol';
import { Binary, GridFSBucket, MongoRuntimeError, MongoServerError, type Db } from 'mongodb';
import type { BlobStore, CommittedBlob, StagedUpload } from './blob-store.ts';

/** A staged part's largest size: GridFS's own chunk size, far below a document's 16 MiB. */
export const PART_BYTES = 255 * 1024;

interface HeadDoc {
  _id: string;
  size: number;
  /** The last append's start or end (sweepStaged). */
  updatedAt: Date;
}

interface PartDoc {
  _id: string;
  key: string;
  n: number;
  /** The offset after this part's bytes. */
  end: number;
  data: Binary;
}

export interface GridFsBlobStoreOptions {
  bucketName?: string;
  /** Staged part size (tests use small parts to exercise their seams). */
  partBytes?: number;
}

export const partId = (key: string, n: number): string => `${key}#${n}`;
const DUPLICATE_KEY = 11000;
const isDuplicateKey = (err: unknown): boolean => err instanceof MongoServerError && err.code === DUPLICATE_KEY;
/** GridFSBucket reports a missing file as a MongoRuntimeError ("File not found", "FileNotFound"). */
const isFileNotFound = (err: unknown): boolean => err instanceof MongoRuntimeError && /not found|ENOENT/i.test(err.message);

export function createGridFsBlobStore(db: Db, options: GridFsBlobStoreOptions = {}): BlobStore {
  const bucketName = options.bucketName ?? 'attachments';
  const partBytes = options.partBytes ?? PART_BYTES;
  const bucket = new GridFSBucket(db, { bucketName, chunkSizeBytes: PART_BYTES });
  const heads = db.collection<HeadDoc>(`${bucketName}.uploads`);
  const parts = db.collection<PartDoc>(`${bucketName}.staging`);
  /** Appends and commits running in this process, by key: a second one is CONFLICT at once. */
  const busy = new Set<string>();
  let indexed: Promise<unknown> | null = null;
  const ensureIndex = () =>
    (indexed ??= parts.createIndexes([{ key: { key: 1, n: 1 }, name: 'key_n' }]).catch((err: unknown) => {
      indexed = null;
      throw err;
    }));

  /** Where an upload stands: its head, and its last part's `end` and number (-1: none). */
  async function standing(key: string): Promise<{ head: HeadDoc; last: number; offset: number } | null> {
    const [head, [last]] = await Promise.all([
      heads.findOne({ _id: key }),
      parts.find({ key }, { projection: { n: 1, end: 1 } }).sort({ n: -1 }).limit(1).toArray(),
    ]);
    if (!head) return null;
    return { head, last: last?.n ?? -1, offset: last?.end ?? 0 };
  }

  const progress = (s: { head: HeadDoc; offset: number }): StagedUpload => ({ offset: s.offset, size: s.head.size });

  /** The staged parts in order, one at a time (a few in the cursor's batch). */
  async function* partsOf(key: string): AsyncGenerator<Buffer> {
    for await (const part of parts.find({ key }).sort({ n: 1 }).batchSize(4)) {
      const bytes = part.data.buffer;
      yield Buffer.from(bytes.buffer, bytes.byteOffset, part.data.length());
    }
  }

  async function removeStaged(key: string): Promise<void> {
    await parts.deleteMany({ key });
    await heads.deleteOne({ _id: key });
  }

  async function filesDoc(id: string): Promise<{ length: number } | null> {
    const [file] = await bucket.find({ _id: id as never }).limit(1).toArray();
    return file ? { length: file.length } : null;
  }

  async function append(key: string, offset: number, size: number, body: Readable): Promise<StagedUpload> {
    await ensureIndex();
    let s = await standing(key);
    if (!s && offset === 0) {
      try {
        await heads.insertOne({ _id: key, size, updatedAt: new Date() });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      s = await standing(key);
    }
    if (!s) throw new PigeonError('CONFLICT', 'no upload under way here; start at 0', null);
    if (s.head.size !== size || s.offset !== offset) throw new PigeonError('CONFLICT', 'the upload stands elsewhere', progress(s));
    await heads.updateOne({ _id: key }, { $set: { updatedAt: new Date() } });
    let n = s.last + 1;
    let at = offset;
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;

    const flush = async () => {
      if (bufferedBytes === 0) return;
      const data = Buffer.concat(buffered, bufferedBytes);
      try {
        await parts.insertOne({ _id: partId(key, n), key, n, end: at + data.length, data: new Binary(data) });
      } catch (err) {
        // Another node wrote this part first: its append goes on, this one stops here.
        if (isDuplicateKey(err)) throw new PigeonError('CONFLICT', 'another upload of these bytes is under way', { offset: at, size });
        throw err;
      }
      n++;
      at += data.length;
      buffered = [];
      bufferedBytes = 0;
    };

    try {
      for await (const chunk of body) {
        let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        // The chunk that would go past the size is not kept at all (as on disk); what came before is.
        if (bytes.length > size - at - bufferedBytes) {
          await flush();
          throw new PigeonError('PAYLOAD_TOO_LARGE', `the upload is larger than its announced ${size} bytes`, { offset: at, size });
        }
        while (bytes.length > 0) {
          const take = Math.min(bytes.length, partBytes - bufferedBytes);
          buffered.push(bytes.subarray(0, take));
          bufferedBytes += take;
          bytes = bytes.subarray(take);
          if (bufferedBytes === partBytes) await flush();
        }
      }
    } catch (err) {
      // A cut body: what came before the cut is kept (a CONFLICT wrote nothing more).
      if (!(err instanceof PigeonError && err.code === 'CONFLICT')) await flush().catch(() => {});
      throw err;
    }
    await flush();
    await heads.updateOne({ _id: key }, { $set: { updatedAt: new Date() } });
    return { offset: at, size };
  }

  /** Streams the parts into a GridFS upload under `id`, hashing them, then removes the staging. */
  async function commit(key: string, id: string): Promise<CommittedBlob> {
    const s = await standing(key);
    if (!s || s.offset !== s.head.size) throw new PigeonError('CONFLICT', 'the upload is not complete', s ? progress(s) : null);
    const hash = createHash('sha256');
    let size = 0;
    async function* hashed(): AsyncGenerator<Buffer> {
      for await (const part of partsOf(key)) {
        hash.update(part);
        size += part.length;
        yield part;
      }
    }
    await pipeline(Readable.from(hashed()), bucket.openUploadStreamWithId(id as never, id));
    await removeStaged(key);
    return { size, sha256: hash.digest('hex') };
  }

  /** Runs `task` holding the key in this process, or CONFLICT when an append or commit of it runs here. */
  async function exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    if (busy.has(key)) {
      const s = await standing(key);
      throw new PigeonError('CONFLICT', 'another request is writing this upload', s ? progress(s) : null);
    }
    busy.add(key);
    try {
      return await task();
    } finally {
      busy.delete(key);
    }
  }

  return {
    async staged(key) {
      const s = await standing(key);
      return s ? progress(s) : null;
    },

    append: (key, offset, size, body) => exclusive(key, () => append(key, offset, size, body)),

    async head(key, length) {
      const out: Buffer[] = [];
      let got = 0;
      for await (const part of partsOf(key)) {
        if (got >= length) break;
        out.push(part.subarray(0, length - got));
        got += Math.min(part.length, length - got);
      }
      return Buffer.concat(out, got);
    },

    readStaged: (key) => Readable.from(partsOf(key)),

    commit: (key, id) => exclusive(key, () => commit(key, id)),

    discard: (key) => removeStaged(key),

    async sweepStaged(before) {
      const stale = await heads.find({ updatedAt: { $lt: before } }, { projection: { _id: 1 } }).toArray();
      for (const h of stale) await removeStaged(h._id);
      return stale.length;
    },

    async put(id, bytes) {
      await deleteBlob(id);
      await pipeline(Readable.from([bytes]), bucket.openUploadStreamWithId(id as never, id));
    },

    async size(id) {
      return (await filesDoc(id))?.length ?? null;
    },

    async read(id, range) {
      const file = await filesDoc(id);
      if (!file) throw new PigeonError('NOT_FOUND', 'no such blob');
      // GridFS's `end` is exclusive; the range's is inclusive.
      return bucket.openDownloadStream(id as never, range ? { start: range.start, end: range.end + 1 } : undefined);
    },

    delete: (id) => deleteBlob(id),

    async close() {
      // The Db belongs to the store's client, closed with the store.
    },
  };

  async function deleteBlob(id: string): Promise<void> {
    try {
      await bucket.delete(id as never);
    } catch (err) {
      if (!isFileNotFound(err)) throw err;
    }
  }
}
