import { searchTokens, type Attachment, type Message, type MessageStatus, type Reaction, type ReplyRef, type SystemEvent } from '@pigeon/sync-protocol';
import type { GroupMemberRecord, UserRecord } from '../store.ts';

/** Ids are strings we generate, so `_id` is the public id and no ObjectId leaks out. */
export interface UserDoc {
  _id: string;
  /** Lower-cased; the unique index on it is the case-insensitive uniqueness. */
  username: string;
  displayName: string;
  /** For the case-insensitive prefix search: an indexed, anchored regex needs a case-folded copy. */
  displayNameLower: string;
  /**
   * People search (users.ts): the words of displayName (search-text.ts `searchTokens`), matched by
   * anchored regexes. Absent on users created before it: filled in when the store opens (backfill.ts).
   */
  nameTokens?: string[];
  passwordHash: string;
  createdAt: string;
  lastSeen: string | null;
  /** Profile (#19 item 12; profiles.ts). Absent on users created before it: none. */
  about?: string;
  avatar?: { id: string; preview: string | null } | null;
  /** UserRecord.profileVersion. Absent on users created before it: 0. */
  profileVersion?: number;
}

/**
 * What every document in the `messages` collection has. The collection is the change log:
 * messages, and receipts (a status change of a message) and message actions (action-docs.ts)
 * as documents of their own. Each
 * holds one change-log position (`changePos`, unique) and a (conversationId, seq) pair
 * (unique), so both are taken by the one atomic insert that writes it (log-insert.ts).
 */
export interface LogDoc {
  _id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  recipientId: string;
  clientId: string;
  /** Change-log position, taken at insert, never changed. */
  changePos: number;
  /**
   * Messages only: the position of the newest entry about this message (its own, or a later
   * receipt's). changesSince skips entries below it: they were superseded. Absent on
   * messages written before receipts were entries: read as `changePos`.
   */
  lastChangePos?: number;
  createdAt: string;
  /**
   * Group documents only: the group's id, on its messages and on the receipt entries about
   * them, so one index range `(group, changePos)` is a group's change feed (group-reads.ts).
   */
  group?: string;
}

export interface MessageDoc extends LogDoc {
  body: string;
  status: MessageStatus;
  /**
   * 1:1 messages: the newest entry about this message other than its `delivered` receipt (a read,
   * an action), or absent while there is none: read as `changePos`. The recipient's feed when it
   * omits its own delivered changes (store.ts FeedOptions) skips entries below it instead of below
   * `lastChangePos`. Only ever moved up (`$max`); a FerretDB update undoing another sets it back,
   * which makes such a feed hand a message out twice, never skip it.
   */
  lastRecipientPos?: number;
  deliveredAt?: string;
  readAt?: string;
  /** Absent: a text message (every message before groups). */
  type?: 'system';
  /** System messages: the group change they record (docs/architecture.md, "Groups"). */
  system?: SystemEvent;
  /**
   * System messages: the group as this change left it. The latest system message at or
   * below a seq is the group's state there, so membership is never a document that two
   * nodes update (group-state.ts).
   */
  state?: GroupStateDoc;
  /**
   * System messages: the users this change added or removed (all members for the
   * creation). Indexed (multikey): a user's groups and periods are the system messages
   * naming them.
   */
  affects?: string[];
  /** The quote of a reply, as the send stored it (replies.ts). */
  replyTo?: ReplyRef | null;
  /**
   * The attachments the send carried (public fields, in order; attachment-sends.ts): absent on
   * messages without any. Like `body`, superseded by `content` once the message is acted on.
   */
  attachments?: Attachment[];
  /**
   * The content since the message's last applied action (message actions, action-docs.ts): absent
   * on messages never acted on (body and replyTo above, no reactions, version 0). `version` is
   * its first key, so `$max` (BSON compares documents key by key) keeps the highest version.
   */
  content?: ContentDoc;
  /** Who deleted it for themself, and when (the first hide stays): only their own reads carry `hiddenAt`. */
  hidden?: Record<string, string>;
  /**
   * Message search (search.ts): the words of the current body. Absent on system messages, and on
   * messages stored before search until the backfill at store open reaches them (backfill.ts).
   */
  search?: SearchDoc;
}

/**
 * The words of a message's body at one content version, `version` first: every write is a `$max`
 * (send: version 0; action-apply.ts: the entry's version), so, as for `content`, a late write of an
 * older version never replaces the words of a newer one (an edit racing a delete on two nodes).
 * `tokens` is `searchTokens(body)` (search-text.ts), [] once deleted for everyone; a multikey index.
 */
export interface SearchDoc {
  version: number;
  tokens: string[];
}

/** The search words of a body at `version`; none once deleted for everyone. */
export const searchDocOf = (version: number, body: string, deleted: boolean): SearchDoc => ({
  version,
  tokens: deleted ? [] : searchTokens(body),
});

/** What actions change of a message; `version` first (see MessageDoc.content). */
export interface ContentDoc {
  version: number;
  body: string;
  replyTo: ReplyRef | null;
  reactions: Reaction[];
  editedAt: string | null;
  deletedAt: string | null;
  attachments: Attachment[];
}

/** A group's state after one of its system messages. */
export interface GroupStateDoc {
  title: string;
  createdBy: string;
  createdAt: string;
  /** Oldest (smallest sinceSeq) first. */
  members: GroupMemberRecord[];
}

/**
 * One move of a group member's delivered or read position (collection `positionMoves`),
 * `_id` `<group>:<user>:<kind>:<seq>`. Only ever inserted: a member's position is the
 * largest `seq` of their moves (and at least the seq that added them), so two nodes moving
 * one member's position at once cannot lose either move, and the position never goes back.
 * The moves are also the log "Message info" reads (when a member first covered a message).
 */
export interface MoveDoc {
  _id: string;
  conversationId: string;
  userId: string;
  kind: 'delivered' | 'read';
  seq: number;
  at: string;
}

export const moveId = (conversationId: string, userId: string, kind: 'delivered' | 'read', seq: number): string =>
  `${conversationId}:${userId}:${kind}:${seq}`;

/**
 * A receipt entry: message `messageId` reached status `receipt`. `_id` is
 * `r:<messageId>:<status>`, so a receipt is logged at most once however often it is sent.
 * It has no `status` and no real conversation (its `conversationId` and `clientId` are its
 * `_id`, its `seq` 0), so no query for messages, histories or unread counts matches it; it
 * has the message's `senderId` and `recipientId`, so both members' changesSince find it.
 */
export interface ReceiptDoc extends LogDoc {
  kind: 'receipt';
  messageId: string;
  receipt: 'delivered' | 'read';
  /** Entries about group messages: the message's seq, so a member's feed keeps to their periods. */
  messageSeq?: number;
}

export const receiptId = (messageId: string, status: 'delivered' | 'read'): string => `r:${messageId}:${status}`;

export const isReceipt = (d: LogDoc): d is ReceiptDoc => (d as ReceiptDoc).kind === 'receipt';

/** The statuses of a message its recipient has not read yet. */
export const NOT_READ: MessageStatus[] = ['sent', 'delivered'];

/**
 * One per conversation, created before its first message is inserted. `lastCommittedSeq`
 * and `updatedAt` are moved forward ($max) after each batch: a pointer near the newest
 * message, for the conversation list, which reads from it upwards (a pointer that lags, or
 * that a crash left behind, only makes it read more). `lastSeq` is what the store allocated
 * seqs with before writes took no lock (it may be ahead of the messages): no longer written or read.
 */
export interface ConversationDoc {
  _id: string;
  members: [string, string];
  createdAt: string;
  lastSeq?: number;
  lastCommittedSeq?: number;
  updatedAt?: string;
}

/** One signed-in device; the fields are SessionRecord's (session-records.ts), `_id` its id. */
export interface SessionDoc {
  _id: string;
  userId: string;
  userAgent: string;
  createdAt: string;
  lastSeenAt: string;
  /** ISO-8601 strings compare in time order, so range filters on them work as on dates. */
  expiresAt: string;
  revokedAt: string | null;
  refreshHash: string;
  previousRefreshHash: string | null;
  rotatedAt: string | null;
  /**
   * Written by an earlier version of this store, before session_uses; read only as a fallback
   * for a generation without a use document. Set to null by every rotation.
   */
  currentUsedAt?: string | null;
}

/**
 * The first use of one refresh-token generation of a session (Store.markSessionUsed): `_id` is
 * `<sessionId>:<refreshHash>`, so the first insert wins and a later one is refused by the
 * index. Insert-only, so it needs no lock on FerretDB (whose updates are not atomic).
 */
export interface SessionUseDoc {
  _id: string;
  sessionId: string;
  at: string;
}

/** `_id` is `<blockerId>:<blockedId>`, so a block exists at most once and both directions are `_id` lookups. */
export interface BlockDoc {
  _id: string;
  blockerId: string;
  blockedId: string;
  createdAt: string;
}

/** The message as everyone sees it, every v2 field present (a viewer's `hiddenAt`: action-docs.ts `messageFor`). */
export function toMessage(d: MessageDoc): Message {
  const c = d.content;
  return {
    id: d._id,
    clientId: d.clientId,
    conversationId: d.conversationId,
    senderId: d.senderId,
    recipientId: d.recipientId,
    body: c ? c.body : d.body,
    seq: d.seq,
    createdAt: d.createdAt,
    status: d.status,
    type: d.type ?? 'text',
    ...(d.system ? { system: d.system } : {}),
    replyTo: (c ? c.replyTo : d.replyTo) ?? null,
    reactions: c?.reactions ?? [],
    editedAt: c?.editedAt ?? null,
    deletedAt: c?.deletedAt ?? null,
    attachments: (c ? c.attachments : d.attachments) ?? [],
    version: c?.version ?? 0,
  };
}

export const toUser = (d: UserDoc): UserRecord => ({
  id: d._id,
  username: d.username,
  displayName: d.displayName,
  passwordHash: d.passwordHash,
  createdAt: d.createdAt,
  lastSeen: d.lastSeen ?? null,
  about: d.about ?? '',
  avatar: d.avatar ?? null,
  profileVersion: d.profileVersion ?? 0,
});
