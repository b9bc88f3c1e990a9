import type { IndexDescription } from 'mongodb';

/**
 * Every index Pigeon relies on, created (idempotently) when the store opens.
 * docs/operations.md lists the same set; keep them in step. Only plain
 * (compound, unique) indexes: FerretDB 1.x rejects partial and collation indexes.
 */
export const INDEXES: Record<
  | 'users'
  | 'messages'
  | 'conversations'
  | 'sessions'
  | 'session_uses'
  | 'blocks'
  | 'positionMoves'
  | 'attachments'
  | 'push_subscriptions'
  | 'conversation_mutes',
  IndexDescription[]
> = {
  users: [
    // Usernames are stored lower-cased, so this is case-insensitive uniqueness.
    { key: { username: 1 }, name: 'username_unique', unique: true },
    // People search: one anchored regex per query word over the display name's words (multikey; users.ts).
    // (`displayNameLower`, the index of the start-of-name search before #18, is no longer created.)
    { key: { nameTokens: 1 }, name: 'nameTokens' },
  ],
  messages: [
    // Idempotent sends: one message per (sender, clientId), across all nodes.
    { key: { senderId: 1, clientId: 1 }, name: 'sender_clientId_unique', unique: true },
    // Gap-free order and history paging; also a backstop against a reused seq.
    { key: { conversationId: 1, seq: 1 }, name: 'conversation_seq_unique', unique: true },
    // The change log's order: a position is taken by the insert that carries it (log-insert.ts).
    { key: { changePos: 1 }, name: 'changePos_unique', unique: true },
    // changesSince: one range scan per side of the user's conversations.
    { key: { senderId: 1, changePos: 1 }, name: 'sender_changePos' },
    { key: { recipientId: 1, changePos: 1 }, name: 'recipient_changePos' },
    // Unread counts (recipient, not-read statuses, grouped by conversation) and
    // markRead (the same plus conversation and seq ≤ n).
    { key: { recipientId: 1, status: 1, conversationId: 1, seq: 1 }, name: 'recipient_status_conversation_seq' },
    // Groups (group-state.ts): the state at a seq is the latest system message at or below it.
    { key: { conversationId: 1, type: 1, seq: 1 }, name: 'conversation_type_seq' },
    // A user's groups and membership periods: the system messages that added or removed them (multikey).
    { key: { affects: 1, conversationId: 1, seq: 1 }, name: 'affects_conversation_seq' },
    // A group's change feed: its messages and the receipt entries about them, in log order.
    { key: { group: 1, changePos: 1 }, name: 'group_changePos' },
    // A delete for everyone empties the quote of the replies to it (action-apply.ts).
    { key: { 'replyTo.id': 1 }, name: 'replyTo_id' },
    // Every read of messages catches their documents up with their entries (entry-truth.ts): the
    // receipt and action entries about a page's messages. Message documents have no `messageId`.
    { key: { messageId: 1 }, name: 'messageId' },
    // Message search (search.ts): per conversation of the caller, one range of the words (multikey)
    // per `^term` regex; a conversation filter is then one seek. Leading with conversationId keeps a
    // search to the caller's own chats instead of every message in the database with that word.
    { key: { conversationId: 1, 'search.tokens': 1 }, name: 'conversation_searchTokens' },
  ],
  // Members' delivered/read positions: the newest move per member (one seek each, or a
  // DISTINCT_SCAN), and the first move at or past a seq (Message info).
  positionMoves: [{ key: { conversationId: 1, kind: 1, userId: 1, seq: -1 }, name: 'conversation_kind_user_seq' }],
  conversations: [{ key: { members: 1 }, name: 'members' }],
  // listSessions: a user's sessions, most recently seen first. Rotation and the session gate
  // read by `_id`. purgeSessions: one range per half of its `$or` (expired, revoked); a
  // live session's `revokedAt: null` sorts before every string, outside the range.
  sessions: [
    { key: { userId: 1, lastSeenAt: -1 }, name: 'user_lastSeenAt' },
    { key: { expiresAt: 1 }, name: 'expiresAt' },
    { key: { revokedAt: 1 }, name: 'revokedAt' },
  ],
  // markSessionUsed and the reads of a use go by `_id`; purgeSessions deletes a purged session's uses.
  session_uses: [{ key: { sessionId: 1 }, name: 'sessionId' }],
  // Attachments (attachment-docs.ts): reads go by `_id` (records, keys, claims: no index of
  // their own). The unique index makes createAttachment idempotent across nodes; the other two
  // serve the sweep (deleted ones, and orphans: no holder, oldest first).
  attachments: [
    { key: { uploaderId: 1, clientId: 1 }, name: 'uploader_clientId_unique', unique: true },
    { key: { deletedAt: 1, createdAt: 1 }, name: 'deletedAt_createdAt' },
    { key: { holder: 1, createdAt: 1 }, name: 'holder_createdAt' },
  ],
  // Push subscriptions (push-subscriptions.ts): `_id` is the endpoint's hash (unique by endpoint);
  // pushSubscriptionsOf and the pruning read a user's.
  push_subscriptions: [{ key: { userId: 1 }, name: 'userId' }],
  // Mutes (mutes.ts): `_id` is (user, conversation); mutesOf reads a user's.
  conversation_mutes: [{ key: { userId: 1 }, name: 'userId' }],
  // blockedBy; isBlockedEitherWay reads two `_id`s.
  blocks: [
    { key: { blockerId: 1, createdAt: 1 }, name: 'blocker_createdAt' },
    { key: { blockedId: 1 }, name: 'blocked' },
  ],
};
