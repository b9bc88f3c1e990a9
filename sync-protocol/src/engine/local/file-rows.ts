/** The rows of the attachment tables (local-db.ts, v5): this device's unsent files and the download cache. */
import type { Attachment } from '../../model/message-parts.ts';

/**
 * The bytes of one of this device's unsent attachments (v5), and how far its upload got. The
 * Blob is stored as such: IndexedDB keeps Blobs by structured clone in browsers, and
 * fake-indexeddb does in Node 20 (its structuredClone supports Blob).
 */
export interface FileRow {
  /** The upload's clientId (the server's idempotency key, with the uploader). */
  clientId: string;
  owner: string;
  /** The row key of the message that carries it. */
  messageKey: string;
  blob: Blob;
  name: string;
  /** The Content-Type sent (the file's own type, or application/octet-stream). */
  type: string;
  size: number;
  sha256: string;
  preview?: string;
  width?: number;
  height?: number;
  /** Some bytes may have reached the server: ask where the upload stands before sending more. */
  started?: boolean;
  /** The server's attachment once the upload finished (and its id, indexed). */
  attachment?: Attachment;
  attachmentId?: string;
}

/** A cached blob's bookkeeping (v5); the bytes are in `mediaBytes` under the same key. */
export interface MediaRow {
  /** The attachment id, plus `#thumb` for the server's thumbnail. */
  key: string;
  size: number;
  /** Last read or write (ms): the least recently used go first. */
  usedAt: number;
}

export interface MediaBytesRow {
  key: string;
  blob: Blob;
}
