import type { SqliteDatabase } from './database.ts';
import type { ConversationRow, MessageRow, UserRow } from './rows.ts';

/**
 * Every statement the store runs, prepared once per connection: preparing is
 * far more expensive than running, and the send path runs these per message.
 */
export function prepareStatements(db: SqliteDatabase) {
  // The status updates number the rows they change from `base` in their previous change
  // order, so one statement hands each changed message its own new change position.
  const statusUpdate = (set: string, where: string) =>
    db.prepare<Record<string, unknown>, MessageRow>(`
      UPDATE messages SET ${set}, change_pos = @base + r.rn
      FROM (SELECT rowid AS rid, row_number() OVER (ORDER BY change_pos) AS rn FROM messages WHERE ${where}) AS r
      WHERE messages.rowid = r.rid
      RETURNING *`);

  return {
    insertUser: db.prepare<[string, string, string, string, string, string]>(
      `INSERT INTO users (id, username, display_name, display_name_lc, password_hash, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    userByUsername: db.prepare<[string], UserRow>(`SELECT * FROM users WHERE username = ?`),
    usersByIds: db.prepare<[string], UserRow>(
      `SELECT * FROM users WHERE id IN (SELECT value FROM json_each(?))`,
    ),
    setLastSeen: db.prepare<[string, string]>(`UPDATE users SET last_seen = ? WHERE id = ?`),
    setPasswordHash: db.prepare<[string, string]>(`UPDATE users SET password_hash = ? WHERE id = ?`),

    changePos: db.prepare<[], number>(`SELECT value FROM meta WHERE key = 'change_pos'`).pluck(),
    setChangePos: db.prepare<[number]>(`UPDATE meta SET value = ? WHERE key = 'change_pos'`),

    uidOf: db.prepare<[string], number>(`SELECT uid FROM users WHERE id = ?`).pluck(),
    conversation: db.prepare<[string], { cid: number; last_seq: number }>(
      `SELECT cid, last_seq FROM conversations WHERE id = ?`,
    ),
    insertConversation: db.prepare<[string, string, string, string], number>(`
      INSERT INTO conversations (id, user_a, user_b, last_seq, updated_at, last_pos) VALUES (?, ?, ?, 0, ?, 0)
      RETURNING cid`).pluck(),
    advanceConversation: db.prepare<[number, string, number, number]>(
      `UPDATE conversations SET last_seq = ?, updated_at = ?, last_pos = ? WHERE cid = ?`,
    ),
    // A (sender, clientId) conflict is the dedupe case and is skipped (changes = 0);
    // any other conflict, e.g. on (cid, seq), is a bug and must throw.
    // Then the quote of a reply (all null for a message that replies to nothing), the files, and
    // recipient_pos: the insert's change position (schema-step-12.ts).
    insertMessage: db.prepare<[string, string, number, number, number, string, string, string, string, number, string, number, string | null, string | null, string | null, string, number | null]>(`
      INSERT INTO messages (id, client_id, cid, sender, recipient, conversation_id, sender_id, recipient_id,
                            body, seq, created_at, status, change_pos, reply_to_id, reply_to_sender, reply_to_preview, attachments,
                            recipient_pos)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?, ?, ?)
      ON CONFLICT (sender, client_id) DO NOTHING`),
    messageBySenderClient: db.prepare<[number, string], MessageRow>(
      `SELECT * FROM messages WHERE sender = ? AND client_id = ?`,
    ),

    markDelivered: statusUpdate(
      `status = 'delivered', delivered_at = @at`,
      // '+' keeps the planner on the id index: the recipient index would walk all of the user's messages.
      `id IN (SELECT value FROM json_each(@ids)) AND +recipient_id = @userId AND status = 'sent'`,
    ),
    // Only the range above the reader's read_seq can hold messages it has not read.
    markRead: statusUpdate(
      // A read moves the recipient's own feed position too; a delivered marking does not (schema-step-12.ts).
      `status = 'read', read_at = @at, delivered_at = coalesce(delivered_at, @at), recipient_pos = @base + r.rn`,
      `cid = @cid AND seq > @fromSeq AND seq <= @upToSeq AND recipient_id = @userId AND status <> 'read'`,
    ),
    conversationForRead: db.prepare<[string], { cid: number; user_a: string; user_b: string; last_seq: number; read_seq_a: number; read_seq_b: number }>(
      `SELECT cid, user_a, user_b, last_seq, read_seq_a, read_seq_b FROM conversations WHERE id = ?`,
    ),
    setReadSeqA: db.prepare<[number, number]>(`UPDATE conversations SET read_seq_a = ? WHERE cid = ?`),
    setReadSeqB: db.prepare<[number, number]>(`UPDATE conversations SET read_seq_b = ? WHERE cid = ?`),

    history: db.prepare<[string, number, number], MessageRow>(
      `SELECT * FROM messages WHERE cid = (SELECT cid FROM conversations WHERE id = ?) AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
    // A merge of two index-ordered ranges, (sender, change_pos) and (recipient, change_pos):
    // SQLite pulls rows from both lazily and stops at the limit, so no sort and no scan past n rows.
    // sender <> recipient keeps a (never expected) message to oneself from appearing twice.
    // recipient <> 0 leaves out the user's own group messages: they come with their group's
    // range (group-reads.ts), which keeps them to the user's periods.
    changesSince: db.prepare<{ userId: string; position: number; n: number }, MessageRow>(`
      SELECT * FROM messages WHERE sender = (SELECT uid FROM users WHERE id = @userId) AND change_pos > @position
        AND recipient <> 0
      UNION ALL
      SELECT * FROM messages WHERE recipient = (SELECT uid FROM users WHERE id = @userId) AND change_pos > @position
        AND sender <> recipient
      ORDER BY change_pos LIMIT @n`),
    // The same, with the user's incoming messages at their recipient_pos (store.ts FeedOptions
    // omitOwnDelivered): a merge of (sender, change_pos) and (recipient, recipient_pos), each
    // row's place in the feed as feed_pos.
    changesSinceOwnDelivered: db.prepare<{ userId: string; position: number; n: number }, MessageRow & { feed_pos: number }>(`
      SELECT *, change_pos AS feed_pos FROM messages WHERE sender = (SELECT uid FROM users WHERE id = @userId) AND change_pos > @position
        AND recipient <> 0
      UNION ALL
      SELECT *, recipient_pos AS feed_pos FROM messages WHERE recipient = (SELECT uid FROM users WHERE id = @userId) AND recipient_pos > @position
        AND sender <> recipient
      ORDER BY feed_pos LIMIT @n`),
    listConversations: db.prepare<{ userId: string }, ConversationRow>(`
      SELECT c.id, c.user_a, c.user_b, c.updated_at, c.last_pos,
        (SELECT count(*) FROM messages u
          WHERE u.cid = c.cid AND u.seq > (CASE WHEN c.user_a = @userId THEN c.read_seq_a ELSE c.read_seq_b END)
            AND u.recipient_id = @userId AND u.status <> 'read') AS unread_count,
        m.id AS m_id, m.client_id AS m_client_id, m.sender_id AS m_sender_id, m.recipient_id AS m_recipient_id,
        m.body AS m_body, m.seq AS m_seq, m.created_at AS m_created_at, m.status AS m_status,
        m.type AS m_type, m.system AS m_system,
        m.reply_to_id AS m_reply_to_id, m.reply_to_sender AS m_reply_to_sender, m.reply_to_preview AS m_reply_to_preview,
        m.reactions AS m_reactions, m.edited_at AS m_edited_at, m.deleted_at AS m_deleted_at,
        m.attachments AS m_attachments, m.version AS m_version
      FROM conversations c
      LEFT JOIN messages m ON m.cid = c.cid AND m.seq = c.last_seq
      WHERE c.user_a = @userId OR c.user_b = @userId
      ORDER BY c.updated_at DESC, c.last_pos DESC`),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
