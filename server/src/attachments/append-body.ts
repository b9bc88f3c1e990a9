/**
 * The write side of the disk BlobStore (disk-blob-store.ts): an upload request's body appended to
 * its staged part file as it arrives, with the sha256 of the bytes kept alongside.
 */
import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { PigeonError } from '@pigeon/sync-protocol';

/** The sha256 of a staged upload's first `offset` bytes, kept while this process wrote them all. */
export interface RunningSum {
  hash: Hash;
  offset: number;
}

/** Bytes of an arriving body held while a write runs (then the body waits: backpressure). */
const MAX_PENDING = 256 * 1024;
/** Bytes written between two background datasyncs of an arriving body. */
const FLUSH_EVERY = 2 * 1024 * 1024;

/** Writes all of `buffers` at the file's end (opened to append), however many calls it takes. */
async function writeAll(fh: FileHandle, buffers: Buffer[]): Promise<number> {
  const total = buffers.reduce((n, b) => n + b.length, 0);
  let { bytesWritten } = await fh.writev(buffers);
  // A short write (rare on a regular file): the rest in plain writes.
  if (bytesWritten < total) {
    let rest = Buffer.concat(buffers).subarray(bytesWritten);
    while (rest.length > 0) {
      const r = await fh.write(rest, 0, rest.length, null);
      bytesWritten += r.bytesWritten;
      rest = rest.subarray(r.bytesWritten);
    }
  }
  return bytesWritten;
}

/**
 * Writes the body at the end of the part file, answering the offset reached. Chunks that arrive
 * while a write is running are written together in the next one (writev, as a WriteStream
 * would), at most MAX_PENDING bytes held; `at` and the sum move only once bytes are written, in
 * order, so a cut body leaves the sum of exactly what the file holds. Every FLUSH_EVERY bytes a
 * datasync starts in the background, so the one that makes the answer durable has little left.
 */
export async function appendBody(fh: FileHandle, body: Readable, { offset, size, sum }: { offset: number; size: number; sum: RunningSum | null }): Promise<number> {
  let at = offset;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let writing: Promise<void> | null = null;
  let writeError: unknown = null;
  let flushing: Promise<void> | null = null;
  let unflushed = 0;
  const drain = async () => {
    try {
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        pendingBytes = 0;
        const written = await writeAll(fh, batch);
        at += written;
        for (const b of batch) sum?.hash.update(b);
        if (sum) sum.offset = at;
        unflushed += written;
        if (unflushed >= FLUSH_EVERY && flushing === null) {
          unflushed = 0;
          // Best effort: the datasync before the answer is the one that counts.
          flushing = fh.datasync().then(
            () => void (flushing = null),
            () => void (flushing = null),
          );
        }
      }
    } catch (e) {
      writeError = e;
    } finally {
      writing = null;
    }
  };
  try {
    let queued = offset;
    for await (const chunk of body) {
      if (writeError !== null) break;
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      // The chunk that would go past the size is not written at all.
      if (queued + bytes.length > size) throw new PigeonError('PAYLOAD_TOO_LARGE', `the upload is larger than its announced ${size} bytes`);
      queued += bytes.length;
      pending.push(bytes);
      pendingBytes += bytes.length;
      writing ??= drain();
      if (pendingBytes >= MAX_PENDING) await writing;
    }
  } finally {
    while (writing !== null) await writing;
    if (flushing !== null) await flushing;
  }
  if (writeError !== null) throw writeError;
  return at;
}
