import { PigeonError, type Attachment, type Message } from '@pigeon/sync-protocol';
import type { AttachmentRecord, AttachmentStore } from '../attachment-records.ts';
import type { SqliteDatabase } from './database.ts';

/**
 * Attachment records on SQLite (schema version 8, store/attachment-records.ts), and the two
 * steps other commits take on them: a send claims its attachments (send-batch.ts), a delete for
 * everyone marks them deleted (actions.ts), each inside that commit's transaction.
 */
interface AttachmentRow {
  id: string;
  uploader_id: string;
  client_id: string;
  name: string;
  mime: string;
  size: number;
  sha256: string;
  width: number | null;
  height: number | null;
  preview: string | null;
  created_at: string;
  holder_message_id: string | null;
  holder_conversation_id: string | null;
  holder_seq: number | null;
  deleted_at: string | null;
}

/** The public fields a message embeds (optional ones absent, not null). */
const publicOf = (r: AttachmentRow): Attachment => {
  const a: Attachment = { id: r.id, name: r.name, mime: r.mime, size: r.size, sha256: r.sha256 };
  if (r.width !== null) a.width = r.width;
  if (r.height !== null) a.height = r.height;
  if (r.preview !== null) a.preview = r.preview;
  return a;
};

const toRecord = (r: AttachmentRow): AttachmentRecord => ({
  ...publicOf(r),
  uploaderId: r.uploader_id,
  clientId: r.client_id,
  createdAt: r.created_at,
  holder:
    r.holder_message_id === null ? null : { messageId: r.holder_message_id, conversationId: r.holder_conversation_id!, seq: r.holder_seq! },
  deletedAt: r.deleted_at,
});

/** Someone's profile photo (schema version 11, users_avatar): kept by the sweep, never sent. */
const NOT_AN_AVATAR = `NOT EXISTS (SELECT 1 FROM users u WHERE u.avatar_attachment_id = attachments.id)`;

/** Due for the sweep: deleted, or never sent, nobody's photo and created before @cutoff. */
const DUE = `(deleted_at IS NOT NULL OR (holder_message_id IS NULL AND created_at < @cutoff AND ${NOT_AN_AVATAR}))`;

export function prepareAttachmentStatements(db: SqliteDatabase) {
  return {
    insert: db.prepare<Record<string, unknown>>(`
      INSERT INTO attachments (id, uploader_id, client_id, name, mime, size, sha256, width, height, preview, created_at)
      VALUES (@id, @uploaderId, @clientId, @name, @mime, @size, @sha256, @width, @height, @preview, @createdAt)
      ON CONFLICT DO NOTHING`),
    byId: db.prepare<[string], AttachmentRow>(`SELECT * FROM attachments WHERE id = ?`),
    isAvatar: db.prepare<[string], number>(`SELECT 1 FROM users WHERE avatar_attachment_id = ?`).pluck(),
    byClient: db.prepare<[string, string], AttachmentRow>(`SELECT * FROM attachments WHERE uploader_id = ? AND client_id = ?`),
    hold: db.prepare<[string, string, number, string]>(
      `UPDATE attachments SET holder_message_id = ?, holder_conversation_id = ?, holder_seq = ? WHERE id = ? AND holder_message_id IS NULL`,
    ),
    /** The records a message carried (a JSON array of ids), held by it, become deleted. */
    markDeleted: db.prepare<{ at: string; messageId: string; ids: string }>(`
      UPDATE attachments SET deleted_at = @at
      WHERE id IN (SELECT value FROM json_each(@ids)) AND holder_message_id = @messageId AND deleted_at IS NULL`),
    // Two index ranges (attachments_orphans, attachments_deleted; the sets are disjoint: only a
    // sent attachment can be deleted), each bounded by the limit, merged oldest first.
    toSweep: db.prepare<{ cutoff: string; limit: number }, AttachmentRow>(`
      SELECT * FROM (
        SELECT * FROM (SELECT * FROM attachments WHERE holder_message_id IS NULL AND created_at < @cutoff AND ${NOT_AN_AVATAR}
                       ORDER BY created_at LIMIT @limit)
        UNION ALL
        SELECT * FROM (SELECT * FROM attachments WHERE deleted_at IS NOT NULL ORDER BY created_at LIMIT @limit)
      ) ORDER BY created_at, id LIMIT @limit`),
    remove: db.prepare<{ ids: string; cutoff: string }, string>(
      `DELETE FROM attachments WHERE id IN (SELECT value FROM json_each(@ids)) AND ${DUE} RETURNING id`,
    ).pluck(),
  };
}

export type AttachmentStatements = ReturnType<typeof prepareAttachmentStatements>;

/** Store methods of AttachmentStore. Single statements: each is atomic on its own. */
export function sqliteAttachmentStore(ats: AttachmentStatements): AttachmentStore {
  return {
    async createAttachment(a) {
      const { changes } = ats.insert.run({
        ...a,
        width: a.width ?? null,
        height: a.height ?? null,
        preview: a.preview ?? null,
      });
      const row = ats.byClient.get(a.uploaderId, a.clientId);
      // Only an id already taken by another upload could leave neither a new row nor the first one.
      if (!row) throw new PigeonError('CONFLICT', `attachment id ${a.id} is taken`);
      return { attachment: toRecord(row), created: changes === 1 };
    },
    async getAttachment(id) {
      const row = ats.byId.get(id);
      return row ? toRecord(row) : null;
    },
    async findAttachment(uploaderId, clientId) {
      const row = ats.byClient.get(uploaderId, clientId);
      return row ? toRecord(row) : null;
    },
    async attachmentsToSweep(orphanedBefore, limit) {
      return ats.toSweep.all({ cutoff: orphanedBefore, limit }).map(toRecord);
    },
    async removeAttachments(ids, orphanedBefore) {
      if (ids.length === 0) return [];
      const removed = new Set(ats.remove.all({ ids: JSON.stringify(ids), cutoff: orphanedBefore }));
      return ids.filter((id) => removed.has(id));
    },
  };
}

/**
 * The attachments a send may carry, checked in its commit: each the sender's own upload, not
 * deleted, not carried by a message. One refusal for every reason, so that a forged id does not
 * tell whether another user's upload exists.
 */
export function claimableAttachments(ats: AttachmentStatements, senderId: string, ids: readonly string[] | undefined): Attachment[] | PigeonError {
  if (!ids || ids.length === 0) return [];
  const refusal = new PigeonError('VALIDATION', 'attachmentIds: each must be an upload of yours not sent before');
  if (new Set(ids).size !== ids.length) return refusal;
  const out: Attachment[] = [];
  for (const id of ids) {
    const row = ats.byId.get(id);
    if (!row || row.uploader_id !== senderId || row.deleted_at !== null || row.holder_message_id !== null) return refusal;
    // A profile photo is kept while in use; a message deleted for everyone would take its bytes.
    if (ats.isAvatar.get(id) !== undefined) return refusal;
    out.push(publicOf(row));
  }
  return out;
}

/** Makes a just-inserted message the holder of its attachments (same transaction as the insert). */
export function holdAttachments(ats: AttachmentStatements, message: Message): void {
  for (const a of message.attachments ?? []) ats.hold.run(message.id, message.conversationId, message.seq, a.id);
}

/** A delete for everyone of `before` (the message as it was) at `at`: its records become deleted. */
export function markAttachmentsDeleted(ats: AttachmentStatements, before: Message, at: string): void {
  const ids = (before.attachments ?? []).map((a) => a.id);
  if (ids.length > 0) ats.markDeleted.run({ at, messageId: before.id, ids: JSON.stringify(ids) });
}
