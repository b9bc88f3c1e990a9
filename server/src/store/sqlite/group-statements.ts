import type { MemberRole } from '@pigeon/sync-protocol';
import type { SqliteDatabase } from './database.ts';
import type { MessageRow } from './rows.ts';

export interface GroupRow {
  cid: number;
  id: string;
  title: string;
  created_by: string;
  created_at: string;
  last_seq: number;
  updated_at: string;
  last_pos: number;
}

/** A membership period as the members table holds it. */
export interface PeriodRow {
  cid: number;
  uid: number;
  user_id: string;
  from_seq: number;
  to_seq: number | null;
  role: MemberRole;
  delivered_seq: number;
  read_seq: number;
}

/** The group statements (schema version 6), prepared once per connection like statements.ts. */
export function prepareGroupStatements(db: SqliteDatabase) {
  // Group statuses, like statements.ts's statusUpdate: every changed row gets its own new
  // change position, numbered from @base in its previous change order. The range is the
  // messages a coverage move newly covers (group-settle.ts); @sender narrows it to one sender.
  const settle = (set: string, status: string) =>
    db.prepare<{ cid: number; from: number; to: number; sender: string | null; at: string; base: number }, MessageRow>(`
      UPDATE messages SET ${set}, change_pos = @base + r.rn
      FROM (SELECT rowid AS rid, row_number() OVER (ORDER BY change_pos) AS rn FROM messages
            WHERE cid = @cid AND seq > @from AND seq <= @to AND ${status}
              AND (@sender IS NULL OR sender_id = @sender)) AS r
      WHERE messages.rowid = r.rid
      RETURNING *`);

  return {
    group: db.prepare<[string], GroupRow>(
      `SELECT cid, id, title, created_by, created_at, last_seq, updated_at, last_pos FROM conversations WHERE id = ? AND type = 'group'`,
    ),
    insertGroup: db.prepare<{ id: string; title: string; createdBy: string; at: string; pos: number }, number>(`
      INSERT INTO conversations (id, type, last_seq, updated_at, last_pos, title, created_by, created_at, changed_pos)
      VALUES (@id, 'group', 1, @at, @pos, @title, @createdBy, @at, @pos)
      RETURNING cid`).pluck(),
    setTitle: db.prepare<[string, number]>(`UPDATE conversations SET title = ? WHERE cid = ?`),
    // A send or a system message: the group's last seq and its latest change.
    advanceGroup: db.prepare<{ cid: number; seq: number; at: string; pos: number }>(
      `UPDATE conversations SET last_seq = @seq, updated_at = @at, last_pos = @pos, changed_pos = @pos WHERE cid = @cid`,
    ),
    setChangedPos: db.prepare<[number, number]>(`UPDATE conversations SET changed_pos = ? WHERE cid = ?`),

    // INDEXED BY: left to itself the planner may walk every period of the group, closed ones too.
    currentMembers: db.prepare<[number], PeriodRow>(
      `SELECT * FROM members INDEXED BY members_open WHERE cid = ? AND to_seq IS NULL ORDER BY from_seq, user_id`,
    ),
    isCurrentMember: db.prepare<[number, number], number>(`SELECT 1 FROM members WHERE cid = ? AND uid = ? AND to_seq IS NULL`).pluck(),
    periodsOf: db.prepare<[number, number], PeriodRow>(`SELECT * FROM members WHERE cid = ? AND uid = ? ORDER BY from_seq`),
    latestPeriod: db.prepare<[number, number], PeriodRow>(
      `SELECT * FROM members WHERE cid = ? AND uid = ? ORDER BY from_seq DESC LIMIT 1`,
    ),
    openPeriod: db.prepare<{ cid: number; uid: number; userId: string; fromSeq: number; role: MemberRole }>(`
      INSERT INTO members (cid, uid, user_id, from_seq, to_seq, role, delivered_seq, read_seq)
      VALUES (@cid, @uid, @userId, @fromSeq, NULL, @role, @fromSeq, @fromSeq)`),
    closePeriod: db.prepare<[number, number, number]>(`UPDATE members SET to_seq = ? WHERE cid = ? AND uid = ? AND to_seq IS NULL`),
    setRole: db.prepare<[MemberRole, number, number]>(`UPDATE members SET role = ? WHERE cid = ? AND uid = ? AND to_seq IS NULL`),
    setPositions: db.prepare<{ cid: number; uid: number; fromSeq: number; delivered: number; read: number }>(
      `UPDATE members SET delivered_seq = @delivered, read_seq = @read WHERE cid = @cid AND uid = @uid AND from_seq = @fromSeq`,
    ),
    logMove: db.prepare<[number, number, 'delivered' | 'read', number, string]>(
      `INSERT INTO receipt_moves (cid, uid, kind, seq, at) VALUES (?, ?, ?, ?, ?)`,
    ),
    firstMove: db.prepare<[number, number, 'delivered' | 'read', number, number], string>(
      `SELECT at FROM receipt_moves WHERE cid = ? AND uid = ? AND kind = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT 1`,
    ).pluck(),
    /** Everyone whose period holds a seq, for messageReceipts. */
    periodsHolding: db.prepare<{ cid: number; seq: number }, PeriodRow>(
      `SELECT * FROM members WHERE cid = @cid AND from_seq <= @seq AND (to_seq IS NULL OR to_seq >= @seq)`,
    ),

    insertSystemMessage: db.prepare<{
      id: string; clientId: string; cid: number; sender: number; conversationId: string; senderId: string;
      seq: number; at: string; status: 'sent' | 'read'; system: string; pos: number;
    }>(`
      INSERT INTO messages (id, client_id, cid, sender, recipient, conversation_id, sender_id, recipient_id,
                            body, seq, created_at, status, delivered_at, read_at, change_pos, type, system)
      VALUES (@id, @clientId, @cid, @sender, 0, @conversationId, @senderId, @conversationId,
              '', @seq, @at, @status, CASE WHEN @status = 'read' THEN @at END, CASE WHEN @status = 'read' THEN @at END,
              @pos, 'system', @system)`),
    messageById: db.prepare<[string], MessageRow & { cid: number; sender: number; recipient: number }>(`SELECT * FROM messages WHERE id = ?`),
    messageAt: db.prepare<[number, number], MessageRow>(`SELECT * FROM messages WHERE cid = ? AND seq = ?`),
    // The highest seq of each group among the ids a device says it stored.
    deliveredGroups: db.prepare<[string], { cid: number; seq: number }>(`
      SELECT cid, max(seq) AS seq FROM messages
      WHERE id IN (SELECT value FROM json_each(?)) AND +recipient = 0
      GROUP BY cid`),

    settleRead: settle(`status = 'read', read_at = @at, delivered_at = coalesce(delivered_at, @at)`, `status <> 'read'`),
    settleDelivered: settle(`status = 'delivered', delivered_at = @at`, `status = 'sent'`),

    /** A user's periods in groups that changed after a position (changesSince). */
    changedPeriods: db.prepare<[number, number], { cid: number; from_seq: number; to_seq: number | null }>(`
      SELECT p.cid, p.from_seq, p.to_seq FROM members p JOIN conversations c ON c.cid = p.cid
      WHERE p.uid = ? AND c.changed_pos > ?`),
    // One group's changes in a period, in order. The partial index (cid, change_pos, seq) WHERE
    // recipient = 0 serves it; the seq test is on the index entry, before the row is read.
    // INDEXED BY: recipient = 0 also matches the recipient index, which holds every group's
    // messages, and the planner (without statistics) takes it.
    periodChanges: db.prepare<{ cid: number; position: number; from: number; to: number; n: number }, MessageRow>(`
      SELECT * FROM messages INDEXED BY messages_group_changes
      WHERE cid = @cid AND recipient = 0 AND change_pos > @position AND seq >= @from AND seq <= @to
      ORDER BY change_pos LIMIT @n`),
    /** Every group a user has or had a period in, with each period (listConversations). */
    userPeriods: db.prepare<[number], PeriodRow>(`SELECT * FROM members WHERE uid = ? ORDER BY cid, from_seq`),
    groupByCid: db.prepare<[number], GroupRow>(
      `SELECT cid, id, title, created_by, created_at, last_seq, updated_at, last_pos FROM conversations WHERE cid = ?`,
    ),
    unreadIn: db.prepare<[number, number, number, number], number>(
      `SELECT count(*) FROM messages WHERE cid = ? AND seq > ? AND seq <= ? AND sender <> ? AND type <> 'system'`,
    ).pluck(),
    historyRange: db.prepare<{ cid: number; from: number; to: number; n: number }, MessageRow>(
      `SELECT * FROM messages WHERE cid = @cid AND seq >= @from AND seq <= @to ORDER BY seq DESC LIMIT @n`,
    ),
  };
}

export type GroupStatements = ReturnType<typeof prepareGroupStatements>;
