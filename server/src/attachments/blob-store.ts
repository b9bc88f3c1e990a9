/**
 * Where the bytes of attachments live: files under DATA_DIR (disk-blob-store.ts, with SQLite) or
 * MongoDB GridFS through the driver's GridFSBucket (gridfs-blob-store.ts, with MongoDB). The
 * records are the Store's (store/attachment-records.ts); this holds only bytes, by key.
 *
 * An upload is first *staged* under its upload key (uploader + clientId, uploadKey()) while its
 * bytes arrive, possibly over several requests (resumable: a cut request keeps what was written
 * before the cut), then *committed* to a blob id once complete. Nothing is ever held whole in
 * memory: bodies are streamed in, reads are streamed out.
 *
 * Both implementations pass one contract suite (testing/blob-contract.ts).
 */
import type { Readable } from 'node:stream';

/** The staging key of an upload: one per uploader and clientId (both url-safe, so the key is too). */
export const uploadKey = (uploaderId: string, clientId: string): string => `${uploaderId}.${clientId}`;

export interface StagedUpload {
  /** Bytes stored so far. */
  offset: number;
  /** The file's announced total size (the first request's Content-Range or Content-Length). */
  size: number;
}

export interface CommittedBlob {
  size: number;
  /** Lowercase hex SHA-256 of the bytes, computed while committing. */
  sha256: string;
}

export interface BlobStore {
  /** Where a staged upload stands, or null (none, or committed/discarded/swept). */
  staged(key: string): Promise<StagedUpload | null>;
  /**
   * Appends `body` to the staged upload `key` at `offset`, creating it (with total `size`) when
   * offset is 0 and none exists. Resolves with where it stands afterwards.
   *  - CONFLICT (PigeonError, `details: StagedUpload | null`) when `offset` is not the stored
   *    offset, or another append to the same key is running (on this node, or, for GridFS, one
   *    that wrote the same part first on another node), or `size` differs from the staged size.
   *  - PAYLOAD_TOO_LARGE when the body would go past `size`; nothing past `size` is kept.
   *  - When `body` errors or ends early (the connection was cut), the bytes written before that
   *    are kept (the next append continues from there) and the promise rejects with that error.
   */
  append(key: string, offset: number, size: number, body: Readable): Promise<StagedUpload>;
  /** The first `length` bytes of a staged upload (magic-byte sniffing before commit). */
  head(key: string, length: number): Promise<Buffer>;
  /** The whole staged upload as a stream (image decoding before commit). */
  readStaged(key: string): Readable;
  /**
   * Makes the complete staged upload the blob `id` (its offset must equal its size, else
   * CONFLICT), hashing it on the way, and removes the staging.
   */
  commit(key: string, id: string): Promise<CommittedBlob>;
  /** Removes a staged upload (refused, or swept); no-op when absent. */
  discard(key: string): Promise<void>;
  /** Removes staged uploads last appended to before `before` (abandoned); returns how many. */
  sweepStaged(before: Date): Promise<number>;

  /** Stores a small blob at once (a server-made thumbnail); replaces one with the same id. */
  put(id: string, bytes: Buffer): Promise<void>;
  /** The blob's size, or null when there is none. */
  size(id: string): Promise<number | null>;
  /** Bytes `start`..`end` (inclusive; default the whole blob) as a stream. NOT_FOUND when absent. */
  read(id: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Idempotent. */
  delete(id: string): Promise<void>;
  close(): Promise<void>;
}

/** The blob id of the server-made thumbnail of attachment `id` (a WebP of a raster image). */
export const thumbnailBlobId = (id: string): string => `${id}.thumb`;
