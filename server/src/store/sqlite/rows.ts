import type { Attachment, Message, MessageStatus, Reaction, ReplyRef, SystemEvent } from '@pigeon/sync-protocol';
import type { UserRecord } from '../store.ts';

/**
 * Row shapes as SELECT * returns them (column names are snake_case in SQL), less the
 * integer keys (uid; cid, sender, recipient), which no caller reads from a row.
 */
export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  display_name_lc: string;
  password_hash: string;
  created_at: string;
  last_seen: string | null;
  about: string;
  avatar_attachment_id: string | null;
  avatar_preview: string | null;
  profile_version: number;
}

/** What contract v2 added to a message (schema version 7), as columns. */
export interface ContentColumns {
  reply_to_id: string | null;
  reply_to_sender: string | null;
  reply_to_preview: string | null;
  /** JSON of Reaction[]. */
  reactions: string;
  edited_at: string | null;
  deleted_at: string | null;
  /** JSON of Attachment[]. */
  attachments: string;
  version: number;
}

export interface MessageRow extends ContentColumns {
  id: string;
  client_id: string;
  conversation_id: string;
  sender_id: string;
  recipient_id: string;
  body: string;
  seq: number;
  created_at: string;
  status: MessageStatus;
  delivered_at: string | null;
  read_at: string | null;
  change_pos: number;
  type: 'text' | 'system';
  /** JSON of a SystemEvent; system messages only. */
  system: string | null;
}

export const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  lastSeen: r.last_seen,
  about: r.about,
  avatar: r.avatar_attachment_id === null ? null : { id: r.avatar_attachment_id, preview: r.avatar_preview },
  profileVersion: r.profile_version,
});

export const toMessage = (r: MessageRow): Message => withContent(
  {
    id: r.id,
    clientId: r.client_id,
    conversationId: r.conversation_id,
    senderId: r.sender_id,
    recipientId: r.recipient_id,
    body: r.body,
    seq: r.seq,
    createdAt: r.created_at,
    status: r.status,
  },
  r.type,
  r.system,
  r,
);

type NewFields = Pick<Message, 'id' | 'clientId' | 'conversationId' | 'senderId' | 'recipientId' | 'body' | 'seq' | 'createdAt'>;

/**
 * A text message just stored (send-batch.ts), as a read of its row would return it (toMessage), built without reading the row.
 * Every field written out: `{ ...m, status, … }` (a spread, then 8 more fields) took V8 10–13 µs a message against
 * 0.3 µs for this literal (Node 20), on the event loop of every send (docs/benchmarks.md session 46).
 */
export const newMessage = (m: NewFields, replyTo: ReplyRef | null, attachments: Attachment[] = []): Message => ({
  id: m.id,
  clientId: m.clientId,
  conversationId: m.conversationId,
  senderId: m.senderId,
  recipientId: m.recipientId,
  body: m.body,
  seq: m.seq,
  createdAt: m.createdAt,
  status: 'sent',
  type: 'text',
  replyTo,
  reactions: [],
  editedAt: null,
  deletedAt: null,
  attachments,
  version: 0,
});

/** The quote columns of a reply, or null for a message that replies to nothing. */
export const replyRefOfRow = (r: ContentColumns): ReplyRef | null =>
  r.reply_to_id === null ? null : { id: r.reply_to_id, senderId: r.reply_to_sender!, preview: r.reply_to_preview! };

/**
 * `type` on every message and every contract v2 field (withMessageDefaults' shape, so every read
 * path answers alike); `system` only on system messages (absent, not undefined, on text).
 */
function withContent(m: Message, type: 'text' | 'system', system: string | null, c: ContentColumns): Message {
  m.type = type;
  if (system !== null) m.system = JSON.parse(system) as SystemEvent;
  m.replyTo = replyRefOfRow(c);
  // Most messages have neither: every feed page and history read skips parsing them.
  m.reactions = c.reactions === '[]' ? [] : (JSON.parse(c.reactions) as Reaction[]);
  m.editedAt = c.edited_at;
  m.deletedAt = c.deleted_at;
  m.attachments = c.attachments === '[]' ? [] : (JSON.parse(c.attachments) as Attachment[]);
  m.version = c.version;
  return m;
}

/**
 * listConversations joins the conversation with its last message; the message
 * columns are prefixed `m_` so they cannot collide with the conversation's.
 */
export interface ConversationRow {
  id: string;
  user_a: string;
  user_b: string;
  updated_at: string;
  last_pos: number;
  unread_count: number;
  m_id: string | null;
  m_client_id: string;
  m_sender_id: string;
  m_recipient_id: string;
  m_body: string;
  m_seq: number;
  m_created_at: string;
  m_status: MessageStatus;
  m_type: 'text' | 'system';
  m_system: string | null;
  m_reply_to_id: string | null;
  m_reply_to_sender: string | null;
  m_reply_to_preview: string | null;
  m_reactions: string;
  m_edited_at: string | null;
  m_deleted_at: string | null;
  m_attachments: string;
  m_version: number;
}

export const lastMessageOf = (r: ConversationRow): Message | null =>
  r.m_id === null
    ? null
    : withContent(
        {
          id: r.m_id,
          clientId: r.m_client_id,
          conversationId: r.id,
          senderId: r.m_sender_id,
          recipientId: r.m_recipient_id,
          body: r.m_body,
          seq: r.m_seq,
          createdAt: r.m_created_at,
          status: r.m_status,
        },
        r.m_type,
        r.m_system,
        {
          reply_to_id: r.m_reply_to_id,
          reply_to_sender: r.m_reply_to_sender,
          reply_to_preview: r.m_reply_to_preview,
          reactions: r.m_reactions,
          edited_at: r.m_edited_at,
          deleted_at: r.m_deleted_at,
          attachments: r.m_attachments,
          version: r.m_version,
        },
      );
