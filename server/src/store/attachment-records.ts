/**
 * What the stores keep of attachments (contract v2, "Attachments"): one record per upload, the
 * bytes elsewhere (attachments/blob-store.ts). Part of the one Store interface (store.ts), so both
 * stores pass the same contract suite (testing/contract/).
 *
 * Invariants:
 *  - (uploaderId, clientId) is unique: a repeated upload finds the record made the first time.
 *  - An attachment is carried by at most one message (`holder`), set in the commit of that
 *    message's send (SendRequest.attachmentIds), so a send either carries all its attachments
 *    or none; the holder's conversation and seq decide who may read the bytes.
 *  - Deleting the holder for everyone (applyActions, kind 'delete') sets `deletedAt` in the same
 *    commit; from then on the attachment is gone for every reader, and the sweep removes it.
 */
import type { Attachment } from '@pigeon/sync-protocol';

export interface AttachmentRecord extends Attachment {
  uploaderId: string;
  clientId: string;
  createdAt: string;
  /** The message carrying it, once sent: where it can be seen. */
  holder: { messageId: string; conversationId: string; seq: number } | null;
  /** Its message was deleted for everyone at this time (the bytes are due for deletion). */
  deletedAt: string | null;
}

/** A finished upload to record: the bytes are stored under `id` already. */
export type NewAttachment = Omit<AttachmentRecord, 'holder' | 'deletedAt'>;

export interface AttachmentStore {
  /**
   * Records a finished upload. Idempotent by (uploaderId, clientId): when one exists, it is
   * returned with `created: false` and nothing is written (the caller deletes the bytes it stored
   * under the new id).
   */
  createAttachment(attachment: NewAttachment): Promise<{ attachment: AttachmentRecord; created: boolean }>;
  /** By id, or null (unknown, or removed by the sweep). A deleted one is returned with `deletedAt` set. */
  getAttachment(id: string): Promise<AttachmentRecord | null>;
  /** The uploader's upload with this clientId, or null. */
  findAttachment(uploaderId: string, clientId: string): Promise<AttachmentRecord | null>;
  /**
   * For the sweep (attachments/sweep.ts): up to `limit` records that are deleted (`deletedAt`
   * set), or were never sent and were created before `orphanedBefore`. Oldest first.
   */
  attachmentsToSweep(orphanedBefore: string, limit: number): Promise<AttachmentRecord[]>;
  /**
   * Removes records by id, but only those still due for the sweep (deleted, or still not held by
   * a message and created before `orphanedBefore`): a send that took an orphan meanwhile keeps
   * it. Returns the ids removed (whose bytes the caller then deletes).
   */
  removeAttachments(ids: readonly string[], orphanedBefore: string): Promise<string[]>;
}
