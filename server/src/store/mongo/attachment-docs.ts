import type { Attachment } from '@pigeon/sync-protocol';
import type { AttachmentRecord } from '../store.ts';

/**
 * Attachments on MongoDB (store/attachment-records.ts): three collections, each read by `_id`
 * on every hot path, because on FerretDB 1.x a filter that is exactly `{ _id }` is the only one
 * that does not scan and decode the whole collection (by-ids.ts).
 *
 *  - `attachments`: the records, `_id` the attachment id (getAttachment, the send's checks). The
 *    unique index (uploaderId, clientId) is what makes createAttachment idempotent: an insert
 *    into a unique index is atomic on FerretDB too.
 *  - `attachment_keys`: `_id` the (uploader, clientId) key, naming the record's id, so
 *    findAttachment (asked on every upload request) is two `_id` reads, not a scan. Written right
 *    after the record; a key missing because its node died in between is written again by the
 *    next createAttachment of that upload (its record insert is refused and finds the record).
 *  - `attachment_claims`: `_id` the attachment id, the message that carries it. Inserted before
 *    the message (attachment-sends.ts): the insert is what decides between two sends of one
 *    attachment on two nodes (exactly one insert of an `_id` succeeds, on FerretDB too, where a
 *    conditional update `{ _id, holder: null }` is a read-modify-write that both could win).
 *    Never removed: a claim is the attachment's one message for good. The sweep claims an orphan
 *    itself (messageId null) before removing it, so a send racing the sweep either claimed first
 *    (the sweep keeps it) or is refused.
 */
export interface AttachmentDoc extends Omit<AttachmentRecord, 'id'> {
  _id: string;
  /**
   * The user whose profile photo it is (profiles.ts), so the sweep's listing skips it; null or
   * absent otherwise. A hint: the claim (`avatarOf`) and the user document decide.
   */
  avatarOf?: string | null;
}

export interface AttachmentKeyDoc {
  _id: string;
  attachmentId: string;
}

export interface ClaimDoc {
  _id: string;
  /** The carrying message's id; null: taken by the sweep (the record is being removed), or a profile photo (`avatarOf`). */
  messageId: string | null;
  at: string;
  /** A profile photo's claim (profiles.ts): this user's. The sweep removes it once it is no longer their photo. */
  avatarOf?: string;
}

export const attachmentKey = (uploaderId: string, clientId: string): string => `${uploaderId}\u0000${clientId}`;

/** The record without `_id`; optional fields stay absent (the driver would store `undefined` as null). */
export function toRecord(d: AttachmentDoc): AttachmentRecord {
  const { _id, avatarOf: _avatarOf, ...rest } = d;
  return withoutUndefined({ id: _id, ...rest });
}

export function toAttachmentDoc(r: AttachmentRecord): AttachmentDoc {
  const { id, ...rest } = r;
  return withoutUndefined({ _id: id, ...rest });
}

/** The public fields a message embeds (model/message-parts.ts attachmentSchema). */
export function publicOf(r: AttachmentRecord): Attachment {
  return withoutUndefined({ id: r.id, name: r.name, mime: r.mime, size: r.size, sha256: r.sha256, width: r.width, height: r.height, preview: r.preview });
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
