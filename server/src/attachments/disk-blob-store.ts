/**
 * The BlobStore of SQLite mode (blob-store.ts): files under `<dataDir>/attachments/`.
 *
 *   <dir>/<id>                  a committed blob (ids are url-safe; checked anyway: never a path)
 *   <dir>/staging/<key>.part    the bytes of a staged upload so far (its size is the offset)
 *   <dir>/staging/<key>.size    the announced total size, written before the first byte
 *
 * An append writes the body as it arrives (at most 256 KiB held: the body's backpressure) and,
 * when it leaves the upload partial, fsyncs before answering: an acknowledged offset survives a
 * crash. Bytes received before a cut are written and kept. One append or commit per key at a
 * time (an in-process lock: SQLite mode is one process). A commit makes the bytes durable and
 * renames them into place (atomic on one filesystem) before the Store records them; the sha256
 * was kept while writing (or, after a restart, is computed by streaming the file).
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, mkdirSync, type Stats } from 'node:fs';
import { open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PigeonError } from '@pigeon/sync-protocol';
import { appendBody, type RunningSum } from './append-body.ts';
import type { BlobStore, CommittedBlob, StagedUpload } from './blob-store.ts';

const STAGING = 'staging';
/** Ids and keys: url-safe characters and dots (keys are `uploader.clientId`, thumbnails `id.thumb`), never a dot first. */
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/;

function safeName(name: string): string {
  if (!SAFE_NAME.test(name) || name === STAGING || name.includes('..')) {
    throw new PigeonError('VALIDATION', 'not a valid blob id or upload key');
  }
  return name;
}

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';
const orNull = <T>(e: unknown): T | null => {
  if (isMissing(e)) return null;
  throw e;
};

const statOrNull = (path: string): Promise<Stats | null> => stat(path).catch(orNull<Stats>);

/** Writes a file and fsyncs it before resolving. */
async function writeDurably(path: string, bytes: Buffer | string): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs a file written before (its size sidecar). */
async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Makes a rename or unlink in `dir` durable. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await fh.close();
  }
}

/** Reads in 1 MiB pieces: Node's 64 KiB default costs a round of stream machinery per 64 KiB of a download. */
const READ_CHUNK = 1024 * 1024;

export function createDiskBlobStore(dir: string): BlobStore {
  const stagingDir = join(dir, STAGING);
  mkdirSync(stagingDir, { recursive: true });
  const blobPath = (id: string) => join(dir, safeName(id));
  const partPath = (key: string) => join(stagingDir, `${safeName(key)}.part`);
  const sizePath = (key: string) => join(stagingDir, `${safeName(key)}.size`);
  const busy = new Set<string>();
  /**
   * The sha256 of each staged upload's bytes so far, kept while this process wrote all of them,
   * so a commit needs no second read of the file (it overlapped the upload). Absent after a
   * restart: the commit then hashes the file.
   */
  const running = new Map<string, RunningSum>();

  async function staged(key: string): Promise<StagedUpload | null> {
    const sizeText = await readFile(sizePath(key), 'utf8').catch(orNull<string>);
    const part = await statOrNull(partPath(key));
    // The part file is made right after the size: without it the upload was committed or discarded.
    // A size sidecar cut by a crash (it is made durable only when an offset is acknowledged) counts as none.
    if (sizeText === null || part === null || !/^\d{1,16}$/.test(sizeText)) return null;
    return { offset: part.size, size: Number(sizeText) };
  }

  /** The running sum an append at `offset` continues (or starts), or null when this process did not see every byte before it. */
  function sumFor(key: string, offset: number): RunningSum | null {
    const known = running.get(key);
    const sum = offset === 0 ? { hash: createHash('sha256'), offset: 0 } : known?.offset === offset ? known : null;
    if (sum) running.set(key, sum);
    else running.delete(key);
    return sum;
  }

  /** Runs `task` holding the key, or CONFLICT when another append or commit holds it. */
  async function exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    if (busy.has(key)) throw new PigeonError('CONFLICT', 'another request is writing this upload', await staged(key));
    busy.add(key);
    try {
      return await task();
    } finally {
      busy.delete(key);
    }
  }


  return {
    staged,

    append(key, offset, size, body) {
      return exclusive(key, async () => {
        const current = await staged(key);
        if (current === null && offset !== 0) throw new PigeonError('CONFLICT', `no upload to continue at ${offset}`, null);
        if (current !== null && current.offset !== offset) {
          throw new PigeonError('CONFLICT', `the upload stands at ${current.offset}, not ${offset}`, current);
        }
        if (current !== null && current.size !== size) {
          throw new PigeonError('CONFLICT', `the upload is ${current.size} bytes, not ${size}`, current);
        }
        if (current === null) {
          // Made durable with the part's bytes, when an offset is acknowledged (below).
          await writeFile(sizePath(key), String(size));
          // Any part left without its size (a crash between the two) starts over.
          await rm(partPath(key), { force: true });
        }
        const fh = await open(partPath(key), 'a');
        let failure: unknown = null;
        let at = offset;
        try {
          at = await appendBody(fh, body, { offset, size, sum: sumFor(key, offset) });
        } catch (e) {
          failure = e;
        } finally {
          // A complete upload is acknowledged only once committed, and commit() makes it durable.
          // A partial one is acknowledged now (202, or the offset a cut request kept): its bytes
          // are fsynced first. Its size sidecar and the names in the staging directory are not: a
          // crash that loses them loses the staged upload (staged() answers null), and the client,
          // which keeps the file until it holds the attachment, starts again from 0 — never from
          // bytes that are not there.
          try {
            if (failure !== null || at < size) await fh.datasync();
          } finally {
            await fh.close();
          }
        }
        if (failure !== null) throw failure;
        return { offset: at, size };
      });
    },

    async head(key, length) {
      const fh = await open(partPath(key), 'r').catch((e: unknown) => {
        if (isMissing(e)) throw new PigeonError('NOT_FOUND', 'no such upload');
        throw e;
      });
      try {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buffer, 0, length, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },

    readStaged: (key) => createReadStream(partPath(key)),

    commit(key, id) {
      return exclusive(key, async (): Promise<CommittedBlob> => {
        const current = await staged(key);
        if (current === null || current.offset !== current.size) {
          throw new PigeonError('CONFLICT', 'the upload is not complete', current);
        }
        const sum = running.get(key);
        running.delete(key);
        let hash: Hash;
        if (sum?.offset === current.size) hash = sum.hash;
        else {
          hash = createHash('sha256');
          for await (const chunk of createReadStream(partPath(key), { highWaterMark: READ_CHUNK })) hash.update(chunk as Buffer);
        }
        // Durable before the Store records it (the record is the only way to reach the blob; a
        // crash before that leaves an orphan for the sweep): the bytes, and the blob's name. The
        // two need no order between them, so they run at once.
        const fh = await open(partPath(key), 'r');
        try {
          await Promise.all([fh.datasync(), rename(partPath(key), blobPath(id)).then(() => Promise.all([syncDir(dir), rm(sizePath(key), { force: true })]))]);
        } finally {
          await fh.close();
        }
        return { size: current.size, sha256: hash.digest('hex') };
      });
    },

    async discard(key) {
      running.delete(key);
      await rm(partPath(key), { force: true });
      await rm(sizePath(key), { force: true });
    },

    async sweepStaged(before) {
      const names = await readdir(stagingDir);
      // A put's temporary file left by a crash between its write and its rename.
      for (const tmp of names.filter((n) => n.startsWith('put-') && n.endsWith('.tmp'))) {
        const s = await statOrNull(join(stagingDir, tmp));
        if (s !== null && s.mtimeMs < before.getTime()) await rm(join(stagingDir, tmp), { force: true });
      }
      const keys = new Set(names.filter((n) => n.endsWith('.part') || n.endsWith('.size')).map((n) => n.slice(0, -5)));
      let removed = 0;
      for (const key of keys) {
        if (busy.has(key) || !SAFE_NAME.test(key)) continue;
        // The part's mtime is the last append; a size alone (a crash before the first byte) counts by its own.
        const last = (await statOrNull(partPath(key))) ?? (await statOrNull(sizePath(key)));
        if (last === null || last.mtimeMs >= before.getTime()) continue;
        running.delete(key);
        await rm(sizePath(key), { force: true });
        await rm(partPath(key), { force: true });
        removed += 1;
      }
      return removed;
    },

    async put(id, bytes) {
      // Written beside the staging, then renamed over: a reader never sees half a thumbnail.
      const tmp = join(stagingDir, `put-${randomBytes(8).toString('hex')}.tmp`);
      await writeDurably(tmp, bytes);
      await rename(tmp, blobPath(id));
      await syncDir(dir);
    },

    async size(id) {
      const s = await statOrNull(blobPath(id));
      return s === null ? null : s.size;
    },

    async read(id, range) {
      const path = blobPath(id);
      // Opened before answering, so an absent blob is NOT_FOUND here, not an error mid-stream.
      const fh = await open(path, 'r').catch((e: unknown) => {
        if (isMissing(e)) throw new PigeonError('NOT_FOUND', 'no such attachment');
        throw e;
      });
      return fh.createReadStream({ ...(range ? { start: range.start, end: range.end } : {}), highWaterMark: READ_CHUNK });
    },

    async delete(id) {
      await rm(blobPath(id), { force: true });
    },

    async close() {},
  };
}
