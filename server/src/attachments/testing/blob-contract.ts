/**
 * The behaviour every BlobStore (../blob-store.ts) must have, written once and run by each
 * implementation's test file against a fresh store:
 *
 *   describeBlobStoreContract('disk', () => createDiskBlobStore(tmpDir()));
 *
 * Streams are the point: bodies arrive in pieces, may be cut, and are never held whole.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { PigeonError, type ErrorCode } from '@pigeon/sync-protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../blob-store.ts';

const MiB = 1024 * 1024;
/** Megabytes through a database (GridFS on FerretDB) on a loaded 2-core machine: correctness, not speed, is judged here. */
const BIG_TIMEOUT_MS = 120_000;
const HELLO_SHA256 = 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9'; // sha256('hello world')

/** A byte stream of `bytes` that ends. */
const bodyOf = (bytes: Buffer | string): Readable => new PassThrough().end(Buffer.from(bytes));

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<PigeonError> {
  const err = await rejection(promise);
  expect(err, `expected a ${code} PigeonError`).toBeInstanceOf(PigeonError);
  expect((err as PigeonError).code).toBe(code);
  return err as PigeonError;
}

/**
 * A body whose consumer is watched: it hands out `first`, and when asked for more (so the store
 * has taken `first`), calls `then` (e.g. fails like a cut connection). highWaterMark 1: nothing
 * is read ahead of what the consumer asks for.
 */
function watchedBody(first: Buffer, then: (stream: Readable) => void): { body: Readable; started: Promise<void> } {
  let reads = 0;
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const body = new Readable({
    highWaterMark: 1,
    read() {
      reads += 1;
      if (reads === 1) {
        markStarted();
        this.push(first);
      } else if (reads === 2) then(this);
    },
  });
  return { body, started };
}

export function describeBlobStoreContract(name: string, open: () => Promise<BlobStore> | BlobStore): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    let n = 0;
    const key = () => `uploader${++n}.client-${randomBytes(6).toString('hex')}`;
    const blobId = () => `blob${++n}_${randomBytes(9).toString('base64url')}`;
    /** Stages and commits `bytes`; returns the blob id. */
    const stored = async (bytes: Buffer | string): Promise<string> => {
      const k = key();
      const id = blobId();
      await store.append(k, 0, Buffer.byteLength(bytes), bodyOf(bytes));
      await store.commit(k, id);
      return id;
    };

    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('staging', () => {
      it('appends a whole body at offset 0, and staged() says where it stands', async () => {
        const k = key();
        expect(await store.staged(k)).toBeNull();
        expect(await store.append(k, 0, 11, bodyOf('hello world'))).toEqual({ offset: 11, size: 11 });
        expect(await store.staged(k)).toEqual({ offset: 11, size: 11 });
      });

      it('resumes at the stored offset, over several appends (an empty body changes nothing)', async () => {
        const k = key();
        expect(await store.append(k, 0, 11, bodyOf('hell'))).toEqual({ offset: 4, size: 11 });
        expect(await store.append(k, 4, 11, bodyOf(''))).toEqual({ offset: 4, size: 11 });
        expect(await store.append(k, 4, 11, bodyOf('o wo'))).toEqual({ offset: 8, size: 11 });
        expect(await store.staged(k)).toEqual({ offset: 8, size: 11 });
        expect(await store.append(k, 8, 11, bodyOf('rld'))).toEqual({ offset: 11, size: 11 });
        expect((await collect(store.readStaged(k))).toString()).toBe('hello world');
      });

      it('CONFLICT with where it stands when the offset is not the stored one; nothing written', async () => {
        const k = key();
        await store.append(k, 0, 11, bodyOf('hell'));
        for (const offset of [0, 2, 5, 11]) {
          const err = await rejectsWith(store.append(k, offset, 11, bodyOf('xxx')), 'CONFLICT');
          expect(err.details).toEqual({ offset: 4, size: 11 });
        }
        const fresh = await rejectsWith(store.append(key(), 3, 11, bodyOf('xxx')), 'CONFLICT');
        expect(fresh.details ?? null).toBeNull();
        expect((await store.head(k, 100)).toString()).toBe('hell');
      });

      it('CONFLICT when the size differs from the staged size', async () => {
        const k = key();
        await store.append(k, 0, 11, bodyOf('hell'));
        await rejectsWith(store.append(k, 4, 12, bodyOf('o')), 'CONFLICT');
        expect(await store.staged(k)).toEqual({ offset: 4, size: 11 });
      });

      it('CONFLICT for a second append to the same key while one runs; the first completes', async () => {
        const k = key();
        let askedForMore!: (s: Readable) => void;
        const asked = new Promise<Readable>((r) => (askedForMore = r));
        const { body, started } = watchedBody(Buffer.from('hello'), askedForMore);
        const first = store.append(k, 0, 11, body);
        await started;
        // Even at the offset it stands at now: one writer at a time.
        const now = (await store.staged(k))?.offset ?? 0;
        await rejectsWith(store.append(k, now, 11, bodyOf('hello world'.slice(now))), 'CONFLICT');
        (await asked).push(null);
        expect(await first).toEqual({ offset: 5, size: 11 });
        expect(await store.append(k, 5, 11, bodyOf(' world'))).toEqual({ offset: 11, size: 11 });
        expect((await collect(store.readStaged(k))).toString()).toBe('hello world');
      });

      it('PAYLOAD_TOO_LARGE when the body goes past the size; nothing past the size is kept', async () => {
        const k = key();
        const bytes = randomBytes(3000);
        await rejectsWith(store.append(k, 0, 1000, bodyOf(bytes)), 'PAYLOAD_TOO_LARGE');
        const at = await store.staged(k);
        const offset = at?.offset ?? 0;
        expect(offset).toBeLessThanOrEqual(1000);
        expect(await store.head(k, 5000).catch(() => Buffer.alloc(0))).toEqual(bytes.subarray(0, offset));
      });

      it('a body that fails mid-way (a cut connection) keeps the bytes before the failure, and the upload resumes', async () => {
        const k = key();
        const bytes = randomBytes(200_000);
        const cut = new Error('connection reset');
        const { body } = watchedBody(bytes.subarray(0, 70_000), (s) => s.destroy(cut));
        expect(await rejection(store.append(k, 0, bytes.length, body))).toBe(cut);
        expect(await store.staged(k)).toEqual({ offset: 70_000, size: bytes.length });
        expect(await store.append(k, 70_000, bytes.length, bodyOf(bytes.subarray(70_000)))).toEqual({ offset: 200_000, size: 200_000 });
        expect((await store.commit(k, blobId())).sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      });

      it('head: the first bytes staged so far; readStaged: all of them', async () => {
        const k = key();
        await store.append(k, 0, 11, bodyOf('hello w'));
        expect((await store.head(k, 4)).toString()).toBe('hell');
        expect((await store.head(k, 100)).toString()).toBe('hello w');
        expect((await collect(store.readStaged(k))).toString()).toBe('hello w');
      });

      it('discard removes a staged upload; again, or of an unknown key, is a no-op', async () => {
        const k = key();
        await store.append(k, 0, 11, bodyOf('hell'));
        await store.discard(k);
        expect(await store.staged(k)).toBeNull();
        await store.discard(k);
        await store.discard(key());
        expect(await store.append(k, 0, 5, bodyOf('fresh'))).toEqual({ offset: 5, size: 5 });
      });

      it('sweepStaged removes the uploads last appended to before the cutoff, and only those', async () => {
        const [k1, k2] = [key(), key()];
        await store.append(k1, 0, 11, bodyOf('hell'));
        await store.append(k2, 0, 11, bodyOf('hello world'));
        expect(await store.sweepStaged(new Date(Date.now() - 60_000))).toBe(0);
        expect(await store.staged(k1)).toEqual({ offset: 4, size: 11 });
        await new Promise((r) => setTimeout(r, 30));
        const cutoff = new Date();
        await new Promise((r) => setTimeout(r, 30));
        const k3 = key();
        await store.append(k3, 0, 11, bodyOf('recent'));
        expect(await store.sweepStaged(cutoff)).toBe(2);
        expect(await store.staged(k1)).toBeNull();
        expect(await store.staged(k2)).toBeNull();
        expect(await store.staged(k3)).toEqual({ offset: 6, size: 11 });
      });

      it('a 16 MiB streamed body is stored as it arrives, not held whole first', async () => {
        const k = key();
        const size = 16 * MiB;
        const chunk = 64 * 1024;
        const hash = createHash('sha256');
        let storedWhenHalfSent = -1;
        async function* produce(): AsyncGenerator<Buffer> {
          for (let sent = 0; sent < size; sent += chunk) {
            if (sent === 12 * MiB) storedWhenHalfSent = (await store.staged(k))?.offset ?? 0;
            const bytes = randomBytes(chunk);
            hash.update(bytes);
            yield bytes;
          }
        }
        expect(await store.append(k, 0, size, Readable.from(produce(), { objectMode: false }))).toEqual({ offset: size, size });
        // With 12 MiB produced, most of it must be stored already: the store keeps pace with the stream.
        expect(storedWhenHalfSent).toBeGreaterThanOrEqual(4 * MiB);
        const id = blobId();
        expect(await store.commit(k, id)).toEqual({ size, sha256: hash.digest('hex') });
        expect(await store.size(id)).toBe(size);
      }, BIG_TIMEOUT_MS);
    });

    describe('commit', () => {
      it('hashes the bytes (sha256 hex), makes them the blob, and removes the staging', async () => {
        const k = key();
        const id = blobId();
        await store.append(k, 0, 11, bodyOf('hello '));
        await store.append(k, 6, 11, bodyOf('world'));
        expect(await store.commit(k, id)).toEqual({ size: 11, sha256: HELLO_SHA256 });
        expect(await store.staged(k)).toBeNull();
        expect((await collect(await store.read(id))).toString()).toBe('hello world');
      });

      it('CONFLICT for an incomplete upload, which stays staged', async () => {
        const k = key();
        await store.append(k, 0, 11, bodyOf('hello'));
        await rejectsWith(store.commit(k, blobId()), 'CONFLICT');
        expect(await store.staged(k)).toEqual({ offset: 5, size: 11 });
      });
    });

    describe('blobs', () => {
      it('read: the whole blob, or an inclusive byte range', async () => {
        const id = await stored('hello world');
        expect((await collect(await store.read(id))).toString()).toBe('hello world');
        expect((await collect(await store.read(id, { start: 2, end: 5 }))).toString()).toBe('llo ');
        expect((await collect(await store.read(id, { start: 0, end: 0 }))).toString()).toBe('h');
        expect((await collect(await store.read(id, { start: 6, end: 10 }))).toString()).toBe('world');
      });

      it('a range read of a large blob streams only that range', async () => {
        const bytes = randomBytes(3 * MiB + 17);
        const k = key();
        const id = blobId();
        await store.append(k, 0, bytes.length, bodyOf(bytes));
        await store.commit(k, id);
        const start = MiB - 5;
        const end = 2 * MiB + 100;
        const got = await collect(await store.read(id, { start, end }));
        expect(got.length).toBe(end - start + 1);
        expect(got.equals(bytes.subarray(start, end + 1)), 'the bytes of the range').toBe(true);
      }, BIG_TIMEOUT_MS);

      it('size, or null; read of an unknown blob → NOT_FOUND', async () => {
        const id = await stored('hello world');
        expect(await store.size(id)).toBe(11);
        expect(await store.size(blobId())).toBeNull();
        await rejectsWith(store.read(blobId()), 'NOT_FOUND');
      });

      it('put stores small bytes at once and replaces the same id', async () => {
        const id = `${blobId()}.thumb`;
        await store.put(id, Buffer.from('first version'));
        expect((await collect(await store.read(id))).toString()).toBe('first version');
        await store.put(id, Buffer.from('second'));
        expect(await store.size(id)).toBe(6);
        expect((await collect(await store.read(id))).toString()).toBe('second');
      });

      it('delete is idempotent', async () => {
        const id = await stored('bye');
        await store.delete(id);
        expect(await store.size(id)).toBeNull();
        await rejectsWith(store.read(id), 'NOT_FOUND');
        await store.delete(id);
        await store.delete(blobId());
      });
    });
  });
}
