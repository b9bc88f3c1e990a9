/**
 * Uploads and downloads on the in-memory server (docs/api.md, "Attachments"), with the rules a
 * device can observe:
 *  - one upload per (uploader, clientId), resumable: chunks must start at the stored offset (else
 *    the answer says where it stands, as a 409 does), a status query (no chunk) answers where it
 *    stands, a finished one answers its attachment again (`created` false);
 *  - the size limit before any byte (PAYLOAD_TOO_LARGE), a `sha256` that does not match the bytes
 *    (VALIDATION, nothing kept), active content by declared type or name (UNSUPPORTED_MEDIA_TYPE);
 *  - a send may carry only the sender's own finished uploads, each by one message (VALIDATION);
 *  - a download is for the uploader and for whoever sees the message carrying it (FORBIDDEN), never
 *    for a message deleted for everyone (NOT_FOUND).
 * Unlike the real server it does not sniff: the mime is the declared type. It has no image
 * library: raster images get no width/height, and their "thumbnail" is the stored bytes.
 */
import { LIMITS } from '../limits.ts';
import { isInlineImage, uploadQuerySchema } from '../model/attachment.ts';
import type { Message } from '../model/message.ts';
import type { Attachment } from '../model/message-parts.ts';
import type { UploadAnswer } from '../engine/transport/transport.ts';
import { parseOrThrow } from '../validate.ts';
import { fail } from './fail.ts';

/** What a transport passes for `uploadAttachment` (UploadRequest without its signal). */
export interface MemoryUploadInput {
  query: unknown;
  type: string;
  size: number;
  chunk: { start: number; blob: Blob } | null;
}

interface Stored {
  attachment: Attachment;
  uploader: string;
  bytes: Uint8Array<ArrayBuffer>;
  /** `${senderId}\n${clientId}` of the message carrying it. */
  carriedBy: string | null;
  /** Its uploader's profile photo (memory-profiles.ts): no message may carry it. */
  photo?: boolean;
}

interface Staged {
  size: number;
  chunks: Uint8Array[];
  offset: number;
}

const ACTIVE_TYPES = /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|text\/javascript|application\/javascript)\b/i;
const ACTIVE_NAMES = /\.(html?|xhtml|svg|xml|js|mjs)$/i;

export class MemoryAttachments {
  private readonly staged = new Map<string, Staged>();
  private readonly finished = new Map<string, string>();
  private readonly byId = new Map<string, Stored>();
  private nextId = 0;

  /** `find`: the stored message of a sender and clientId (the holder of an attachment). */
  constructor(
    private readonly find: (senderId: string, clientId: string) => Message | undefined,
    private readonly maxBytes: number = LIMITS.attachmentMaxBytesDefault,
  ) {}

  /** One request of an upload by `me`. */
  async upload(me: string, input: MemoryUploadInput): Promise<UploadAnswer> {
    const query = parseOrThrow(uploadQuerySchema, input.query);
    const { size, chunk } = input;
    if (!Number.isSafeInteger(size) || size <= 0) throw fail('VALIDATION', 'size: the file is empty');
    if (size > this.maxBytes) throw fail('PAYLOAD_TOO_LARGE', `at most ${this.maxBytes} bytes`);
    const key = `${me}\n${query.clientId}`;
    const doneId = this.finished.get(key);
    if (doneId) return { done: true, attachment: { ...this.byId.get(doneId)!.attachment }, created: false };
    if (ACTIVE_TYPES.test(input.type) || ACTIVE_NAMES.test(query.name)) throw fail('UNSUPPORTED_MEDIA_TYPE', 'active content is refused');
    const staged = this.staged.get(key) ?? { size, chunks: [], offset: 0 };
    if (staged.size !== size) throw fail('VALIDATION', 'size: not the size this upload started with');
    if (!chunk || chunk.start !== staged.offset) return { done: false, offset: staged.offset };
    const bytes = new Uint8Array(await chunk.blob.arrayBuffer());
    if (staged.offset + bytes.length > size) throw fail('VALIDATION', 'Content-Range: beyond the size');
    staged.chunks.push(bytes);
    staged.offset += bytes.length;
    this.staged.set(key, staged);
    if (staged.offset < size) return { done: false, offset: staged.offset };

    this.staged.delete(key);
    const all = concat(staged.chunks, size);
    const sha256 = await sha256Hex(all);
    if (query.sha256 && query.sha256 !== sha256) throw fail('VALIDATION', 'sha256: the bytes do not match');
    const id = `att${++this.nextId}`;
    const attachment: Attachment = { id, name: query.name, mime: input.type || 'application/octet-stream', size, sha256, ...(query.preview ? { preview: query.preview } : {}) };
    this.byId.set(id, { attachment, uploader: me, bytes: all, carriedBy: null });
    this.finished.set(key, id);
    return { done: true, attachment: { ...attachment }, created: true };
  }

  /**
   * The attachments a send by `me` carries, in order: each must be `me`'s finished upload, carried
   * by no other message (`messageKey`: the send's own `${me}\n${clientId}`, for a repeated send).
   */
  claim(me: string, ids: readonly string[], messageKey: string): Attachment[] {
    return ids.map((id) => {
      const stored = this.byId.get(id);
      if (!stored || stored.uploader !== me || stored.photo || (stored.carriedBy !== null && stored.carriedBy !== messageKey)) {
        throw fail('VALIDATION', 'attachmentIds: not an upload of yours that no message carries');
      }
      return { ...stored.attachment };
    });
  }

  /** Marks the attachments as carried by the stored message. */
  carry(ids: readonly string[], messageKey: string): void {
    for (const id of ids) this.byId.get(id)!.carriedBy = messageKey;
  }

  /**
   * A download by `me` (`{ id, thumbnail }`). `sees`: whether `me` may see the message carrying it.
   * A thumbnail exists for raster images only (here: the bytes themselves).
   */
  read(me: string, input: unknown, sees: (m: Message) => boolean): Blob {
    const { id, thumbnail } = (input ?? {}) as { id?: unknown; thumbnail?: unknown };
    const stored = this.byId.get(String(id));
    if (!stored) throw fail('NOT_FOUND', 'no such attachment');
    const [senderId, clientId] = (stored.carriedBy ?? '').split('\n');
    const message = stored.carriedBy ? this.find(senderId!, clientId!) : undefined;
    if (message?.deletedAt) throw fail('NOT_FOUND', 'no such attachment');
    if (stored.uploader !== me && !(message && sees(message))) throw fail('FORBIDDEN', 'not yours to read');
    if (thumbnail === true && !isInlineImage(stored.attachment.mime)) throw fail('NOT_FOUND', 'no thumbnail for this attachment');
    return new Blob([stored.bytes], { type: stored.attachment.mime });
  }

  /** Makes `me`'s unsent raster upload their photo: NOT_FOUND for an unknown or another's id, VALIDATION otherwise. */
  takeAsPhoto(me: string, id: string): { id: string; preview: string | null } {
    const stored = this.byId.get(id);
    if (!stored || stored.uploader !== me) throw fail('NOT_FOUND', 'avatarId: no such upload of yours');
    if (!isInlineImage(stored.attachment.mime)) throw fail('VALIDATION', 'avatarId: a photo must be an image');
    if (stored.carriedBy !== null) throw fail('VALIDATION', 'avatarId: an upload sent in a message cannot be a photo');
    stored.photo = true;
    return { id, preview: stored.attachment.preview ?? null };
  }

  /** A replaced photo: an ordinary unsent upload again. */
  releasePhoto(id: string): void {
    const stored = this.byId.get(id);
    if (stored) stored.photo = false;
  }

  /** A photo's bytes (its "thumbnail": no image library here). */
  photoBytes(id: string): Blob {
    const stored = this.byId.get(id);
    if (!stored) throw fail('NOT_FOUND', 'no photo for this user');
    return new Blob([stored.bytes], { type: stored.attachment.mime });
  }

  /** Every finished upload (tests: "the server holds one attachment"). */
  list(): (Attachment & { uploader: string; carried: boolean })[] {
    return [...this.byId.values()].map((s) => ({ ...s.attachment, uploader: s.uploader, carried: s.carriedBy !== null }));
  }

  /** Bytes stored so far of an unfinished upload (tests). */
  stagedOffset(uploader: string, clientId: string): number | null {
    return this.staged.get(`${uploader}\n${clientId}`)?.offset ?? null;
  }
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
