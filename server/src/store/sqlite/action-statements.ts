import type { SqliteDatabase } from './database.ts';
import type { MessageRow } from './rows.ts';

/** A hide as the hides table holds it, joined to the hidden message for the change feed. */
export type HiddenRow = MessageRow & { hide_pos: number; hidden_at: string };

/** The statements of message actions and hides (schema version 7), prepared once per connection like statements.ts. */
export function prepareActionStatements(db: SqliteDatabase) {
  return {
    /** The message an earlier action of (actor, clientId) was on: a replay. */
    recorded: db.prepare<[number, string], string>(`SELECT message_id FROM actions WHERE actor = ? AND client_id = ?`).pluck(),
    record: db.prepare<[number, string, string]>(`INSERT INTO actions (actor, client_id, message_id) VALUES (?, ?, ?)`),

    /** The whole content of a message after an action, with its new version and change position. */
    updateContent: db.prepare<{
      id: string; body: string; replyId: string | null; replySender: string | null; replyPreview: string | null;
      reactions: string; editedAt: string | null; deletedAt: string | null; attachments: string; version: number; pos: number;
    }>(`
      UPDATE messages SET body = @body, reply_to_id = @replyId, reply_to_sender = @replySender, reply_to_preview = @replyPreview,
        reactions = @reactions, edited_at = @editedAt, deleted_at = @deletedAt, attachments = @attachments,
        version = @version, change_pos = @pos, recipient_pos = CASE WHEN recipient <> 0 THEN @pos END
      WHERE id = @id`),
    /** The replies of a message that still carry its quote (messages_replies). */
    repliesTo: db.prepare<[string], MessageRow>(`SELECT * FROM messages WHERE reply_to_id = ? ORDER BY seq`),

    hiddenAt: db.prepare<[number, string], string>(`SELECT at FROM hides WHERE uid = ? AND message_id = ?`).pluck(),
    hide: db.prepare<[number, string, string, number]>(`INSERT INTO hides (uid, message_id, at, change_pos) VALUES (?, ?, ?, ?)`),
    /** Whether a user ever hid a message: a feed page looks its messages up only then. */
    hidesAny: db.prepare<[number], number>(`SELECT 1 FROM hides WHERE uid = ? LIMIT 1`).pluck(),
    /** Which of these messages (a JSON array of ids) the user hid, and when. */
    hiddenAmong: db.prepare<[number, string], { message_id: string; at: string }>(
      `SELECT message_id, at FROM hides WHERE uid = ? AND message_id IN (SELECT value FROM json_each(?))`,
    ),
    /** A user's hides after a position, in order, with the hidden messages as they are now (changesSince). */
    hidesSince: db.prepare<{ uid: number; position: number; n: number }, HiddenRow>(`
      SELECT m.*, h.change_pos AS hide_pos, h.at AS hidden_at
      FROM hides h JOIN messages m ON m.id = h.message_id
      WHERE h.uid = @uid AND h.change_pos > @position
      ORDER BY h.change_pos LIMIT @n`),
  };
}

export type ActionStatements = ReturnType<typeof prepareActionStatements>;
