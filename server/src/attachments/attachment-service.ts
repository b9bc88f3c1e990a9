/**
 * The one owner of the upload policy (docs/api.md, "Attachments"): resumable uploads into the
 * BlobStore, sniffing and refusing active content, image facts, records in the Store, and the
 * bytes of deleted attachments. The HTTP route (http/routes/attachments.ts) only translates.
 *
 * Limits, all from config.ts:
 *  - ATTACHMENT_MAX_BYTES: the announced size (Content-Length / Content-Range total) is checked
 *    before a byte is read; the BlobStore refuses anything past it while streaming.
 *  - ATTACHMENT_UPLOADS_PER_USER: requests carrying bytes at once per user on this node; one more
 *    is 429 RATE_LIMITED before its body is read.
 *  - SEND_RATE_LIMIT: each request that begins an upload (bytes from offset 0) counts as one send
 *    in the user's budget; continuing chunks and status queries do not (they are bounded by the
 *    bytes they carry and the concurrency above).
 *  - ATTACHMENT_IMAGE_CONCURRENCY: images decoded at once on this node, waiting ones taken in turn
 *    per user (fair-queue.ts), so one user's many large photos cannot stall another's.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isPigeonError, PigeonError, type Attachment, type ContentRange, type UploadProgress, type UploadQuery } from '@pigeon/sync-protocol';
import type { Logger } from '../log.ts';
import type { SendLimit } from '../limits/send-limit.ts';
import { rateLimited } from '../limits/rate-limited.ts';
import type { AttachmentRecord, Store } from '../store/store.ts';
import { thumbnailBlobId, uploadKey, type BlobStore } from './blob-store.ts';
import type { FairQueue } from './fair-queue.ts';
import { describeImage } from './image.ts';
import { readableAttachment } from './read-access.ts';
import { extensionOf, isDecodedImage, mediaType, sniff, SNIFF_BYTES } from './sniff.ts';
import { readAll } from './streams.ts';

export interface AttachmentLimits {
  maxBytes: number;
  uploadsPerUser: number;
  /** Images over this many pixels are described from their header only (image.ts). */
  imageMaxPixels: number;
}

export interface UploadRequest {
  query: UploadQuery;
  /** The Content-Type header. */
  declaredType: string | undefined;
  /** The Content-Length header, or null (chunked transfer). */
  contentLength: number | null;
  /** The parsed Content-Range, or null (the body is the whole file). */
  contentRange: ContentRange | null;
  /** Read only when the request is accepted; left unread otherwise (the server then closes the connection). */
  body: Readable;
}

/** 200: finished before (same clientId); 201: finished now; 202: stored `upload.offset` bytes of `upload.size`. */
export type UploadAnswer = { status: 200 | 201; attachment: Attachment } | { status: 202; upload: UploadProgress };

/** The 409 CONFLICT of an upload: its details say where it stands (the route puts them in the body). */
const conflict = (message: string, upload: UploadProgress): PigeonError => new PigeonError('CONFLICT', message, upload);

export interface AttachmentServiceDeps {
  store: Pick<Store, 'createAttachment' | 'getAttachment' | 'findAttachment' | 'memberPeriods'>;
  blobs: BlobStore;
  limits: AttachmentLimits;
  /** The sender's budget (SEND_RATE_LIMIT): a new upload counts as one send. */
  rateLimiter: SendLimit;
  images: FairQueue;
  log: Pick<Logger, 'warn' | 'debug'>;
  newId?: () => string;
  now?: () => Date;
}

export class AttachmentService {
  /** Requests carrying bytes, per user, on this node. */
  private readonly active = new Map<string, number>();
  /** Uploads being finished on this node, by upload key. */
  private readonly completing = new Map<string, Promise<UploadAnswer>>();

  constructor(private readonly deps: AttachmentServiceDeps) {}

  /** Where the bytes are (downloads stream from it). */
  get blobs(): BlobStore {
    return this.deps.blobs;
  }

  async upload(userId: string, request: UploadRequest): Promise<UploadAnswer> {
    const { maxBytes } = this.deps.limits;
    const range = this.rangeOf(request);
    if (range.size > maxBytes) throw new PigeonError('PAYLOAD_TOO_LARGE', `attachments are at most ${maxBytes} bytes`);
    const done = await this.deps.store.findAttachment(userId, request.query.clientId);
    if (done) return { status: 200, attachment: publicFields(done) };
    const key = uploadKey(userId, request.query.clientId);
    // Being finished here right now (its staging may be committed already, its record not yet written).
    if (this.completing.has(key)) return this.complete(userId, request, key);
    const staged = await this.deps.blobs.staged(key);
    // Every byte is stored, but the request that stored the last one did not finish (the node
    // died, or the commit failed): finish it now.
    if (staged && staged.offset === staged.size) return this.complete(userId, request, key);
    if (range.start === null) return { status: 202, upload: staged ?? { offset: 0, size: range.size } };
    const stands = staged ?? { offset: 0, size: range.size };
    if (range.start !== stands.offset || range.size !== stands.size) throw conflict(`the upload stands at ${stands.offset} of ${stands.size}`, stands);

    const release = this.takeSlot(userId);
    try {
      if (range.start === 0) await this.deps.rateLimiter.take(userId);
      const after = await this.append(key, range.start, range.size, request.body);
      if (after.offset < after.size) return { status: 202, upload: after };
      return await this.complete(userId, request, key);
    } finally {
      release();
    }
  }

  /** The record when `userId` may read it (read-access.ts); NOT_FOUND / FORBIDDEN otherwise. */
  readable(userId: string, id: string): Promise<AttachmentRecord> {
    return readableAttachment(this.deps.store, userId, id);
  }

  /**
   * Deletes the bytes (and thumbnail) of these attachments if their records say they are deleted
   * (a message deleted for everyone). Records stay until the sweep removes them. Never rejects.
   */
  async deleteBytesOf(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      try {
        const record = await this.deps.store.getAttachment(id);
        if (record?.deletedAt) await this.deleteBlobs(id);
      } catch (err) {
        this.deps.log.warn({ err, id }, 'deleting the bytes of a deleted attachment failed; the sweep will');
      }
    }
  }

  async deleteBlobs(id: string): Promise<void> {
    await this.deps.blobs.delete(id);
    await this.deps.blobs.delete(thumbnailBlobId(id));
  }

  /** The range this request covers: Content-Range, else the whole file of Content-Length bytes. */
  private rangeOf(request: UploadRequest): ContentRange {
    const { contentRange, contentLength } = request;
    if (contentRange === null) {
      if (contentLength === null) throw new PigeonError('VALIDATION', 'Content-Length or Content-Range is required');
      if (contentLength === 0) throw new PigeonError('VALIDATION', 'the file is empty (0 bytes)');
      return { start: 0, end: contentLength - 1, size: contentLength };
    }
    if (contentRange.start === null) {
      if (contentLength !== null && contentLength !== 0) throw new PigeonError('VALIDATION', 'a status query (Content-Range: bytes */size) has no body');
    } else if (contentLength !== contentRange.end - contentRange.start + 1) {
      // Required, so a chunk can never carry more than its range says (the BlobStore bounds only the total).
      throw new PigeonError('VALIDATION', 'Content-Length must be the length of the Content-Range');
    }
    return contentRange;
  }

  private takeSlot(userId: string): () => void {
    const count = this.active.get(userId) ?? 0;
    if (count >= this.deps.limits.uploadsPerUser) throw rateLimited(`at most ${this.deps.limits.uploadsPerUser} uploads at once`, 1000);
    this.active.set(userId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.active.get(userId) ?? 1) - 1;
      if (left <= 0) this.active.delete(userId);
      else this.active.set(userId, left);
    };
  }

  /** BlobStore.append; a body that errors (a cut connection) keeps what arrived and is answered as such. */
  private async append(key: string, offset: number, size: number, body: Readable): Promise<UploadProgress> {
    try {
      return await this.deps.blobs.append(key, offset, size, body);
    } catch (err) {
      if (isPigeonError(err)) {
        if (err.code === 'CONFLICT') throw conflict(err.message, (err.details as UploadProgress | null) ?? { offset: 0, size });
        throw err;
      }
      this.deps.log.debug({ err, key }, 'upload cut; its bytes so far are kept');
      // Not VALIDATION: a client that ever received this answer (through a proxy) must retry, not give up.
      throw new PigeonError('UNAVAILABLE', 'the upload was cut; continue from the stored offset');
    }
  }

  /**
   * All bytes are staged: finish the upload once. A request arriving while this node finishes the
   * same upload (a retried last chunk, a status query) waits for that and answers its outcome
   * (200 with the attachment, or the same refusal) instead of racing it to the commit.
   */
  private async complete(userId: string, request: UploadRequest, key: string): Promise<UploadAnswer> {
    const running = this.completing.get(key);
    if (running) {
      const answer = await running;
      return answer.status === 202 ? answer : { status: 200, attachment: answer.attachment };
    }
    const finishing = this.finish(userId, request, key).finally(() => this.completing.delete(key));
    this.completing.set(key, finishing);
    return finishing;
  }

  /** Sniff, commit, describe, record. Nothing stays stored when it is refused. */
  private async finish(userId: string, request: UploadRequest, key: string): Promise<UploadAnswer> {
    const { blobs, store } = this.deps;
    const { query, declaredType } = request;
    const verdict = await sniff({ head: await blobs.head(key, SNIFF_BYTES), declaredType, name: query.name });
    if (!verdict.ok) {
      await blobs.discard(key);
      throw new PigeonError('UNSUPPORTED_MEDIA_TYPE', `refused: ${verdict.reason}`);
    }
    const id = this.deps.newId?.() ?? randomBytes(16).toString('base64url');
    const committed = await blobs.commit(key, id);
    try {
      if (query.sha256 !== undefined && query.sha256 !== committed.sha256) throw new PigeonError('VALIDATION', 'sha256: the bytes do not match it');
      let facts: Pick<Attachment, 'mime' | 'width' | 'height' | 'preview'> = { mime: verdict.mime, ...(query.preview ? { preview: query.preview } : {}) };
      if (isDecodedImage(verdict.mime)) facts = await this.imageFacts(userId, id, committed.size, facts, declaredType, query.name);
      const { attachment, created } = await store.createAttachment({
        id,
        uploaderId: userId,
        clientId: query.clientId,
        name: query.name,
        size: committed.size,
        sha256: committed.sha256,
        ...facts,
        createdAt: (this.deps.now?.() ?? new Date()).toISOString(),
      });
      // Another request of the same upload recorded it first: ours is a second copy.
      if (!created) await this.deleteBlobs(id);
      return { status: created ? 201 : 200, attachment: publicFields(attachment) };
    } catch (err) {
      await this.deleteBlobs(id).catch((e: unknown) => this.deps.log.warn({ err: e, id }, 'could not delete the bytes of a refused upload'));
      throw err;
    }
  }

  /** width/height, the ThumbHash (unless the client sent one) and the stored thumbnail; a corrupt image is refused or becomes a file. */
  private async imageFacts(
    userId: string,
    id: string,
    size: number,
    facts: Pick<Attachment, 'mime' | 'preview'>,
    declaredType: string | undefined,
    name: string,
  ): Promise<Pick<Attachment, 'mime' | 'width' | 'height' | 'preview'>> {
    const { blobs, images, limits } = this.deps;
    const described = await images.run(userId, async () =>
      describeImage(await readAll(await blobs.read(id), size), { maxPixels: limits.imageMaxPixels, wantPreview: facts.preview === undefined }),
    );
    if (described === null) throw rateLimited('too many images being processed, try again', 2000);
    if (described.kind === 'corrupt') {
      const claimed = mediaType(declaredType).startsWith('image/') || ['png', 'jpg', 'jpeg', 'gif', 'webp', 'avif'].includes(extensionOf(name));
      if (claimed) throw new PigeonError('UNSUPPORTED_MEDIA_TYPE', 'refused: the image cannot be decoded');
      this.deps.log.debug({ id, reason: described.reason }, 'undecodable image stored as a file');
      return { mime: 'application/octet-stream' };
    }
    if (described.thumbnail) await blobs.put(thumbnailBlobId(id), described.thumbnail);
    const preview = facts.preview ?? described.preview ?? undefined;
    return { mime: facts.mime, width: described.width, height: described.height, ...(preview ? { preview } : {}) };
  }
}

/** What messages carry of a record (contract: id, name, mime, size, sha256, width?, height?, preview?). */
export function publicFields(r: AttachmentRecord): Attachment {
  return {
    id: r.id,
    name: r.name,
    mime: r.mime,
    size: r.size,
    sha256: r.sha256,
    ...(r.width !== undefined && r.width !== null ? { width: r.width } : {}),
    ...(r.height !== undefined && r.height !== null ? { height: r.height } : {}),
    ...(r.preview !== undefined && r.preview !== null ? { preview: r.preview } : {}),
  };
}
