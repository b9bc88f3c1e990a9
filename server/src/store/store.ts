import type { ActionRequest, Message, PigeonError } from '@pigeon/sync-protocol';

import type { AttachmentStore } from './attachment-records.ts';
import type { NotificationStore } from './notification-records.ts';
import type { CreateGroupRequest, GroupChangeRequest, GroupMemberRecord, GroupOutcome, GroupRecord, MemberPeriod } from './group-records.ts';
import type { NewSession, RotateOutcome, RotateRequest, SessionRecord } from './session-records.ts';

export type { ActionRequest } from '@pigeon/sync-protocol';
export type { AttachmentRecord, AttachmentStore, NewAttachment } from './attachment-records.ts';
export type { MuteRecord, NotificationStore, PushSubscriptionRecord, SearchOptions } from './notification-records.ts';
export type { CreateGroupRequest, GroupChange, GroupChangeRequest, GroupMemberRecord, GroupOutcome, GroupRecord, MemberPeriod } from './group-records.ts';
export type { NewSession, RotateOutcome, RotateRequest, SessionRecord } from './session-records.ts';

/**
 * The one storage interface of the server. Two implementations (sqlite/, mongo/)
 * pass the same contract suite (testing/contract/).
 *
 * Invariants every implementation keeps:
 *  - (senderId, clientId) is unique: a repeated send returns the stored message, `created: false`.
 *  - seq is 1, 2, 3 … per conversation with no gap, assigned by the store at commit.
 *  - every insert and every status change moves the message to a new, larger change-log
 *    position; `changesSince` returns messages in position order.
 *  - status only moves forward: sent → delivered → read.
 */
export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  passwordHash: string;
  createdAt: string;
  lastSeen: string | null;
  /** Profile "about" line (#19 item 12); '' when none. */
  about: string;
  /** Profile photo (#19 item 12): one of the user's own image uploads, and its ThumbHash. */
  avatar: { id: string; preview: string | null } | null;
  /**
   * Rises by one with each profile change (updateProfile), in the change's own write: of two copies
   * of a user, the one with the higher version has the newer name, about line and photo, whatever
   * order they reach a device in. 0 before the first change.
   */
  profileVersion: number;
}

/** The fields of a profile change that are present change (rest/profile.ts). */
export interface ProfileChange {
  displayName?: string;
  about?: string;
  /** An attachment id (the caller's own unsent image upload), or null to remove the photo. */
  avatarId?: string | null;
}

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string;
}

/**
 * A validated send: body already trimmed. 1:1: `recipientId` is the peer, known to exist and
 * differ from the sender. Group: `conversationId` is the group's id and `recipientId` the same
 * id (as in the stored message); whether the sender is a member is decided by the store, in
 * the commit, so a send racing the sender's removal is either before the removal or refused.
 */
export interface SendRequest {
  senderId: string;
  recipientId: string;
  clientId: string;
  body: string;
  conversationId?: string;
  /**
   * The id of the message this one answers. Checked by the store in the commit: it must be in the
   * same conversation (and, in a group, in one of the sender's periods), else the send is refused
   * with VALIDATION. The stored `replyTo` is `{ id, senderId, preview }` as of the commit (preview ''
   * if the original is deleted for everyone, see model/action-rules.ts `replyRefOf`).
   */
  replyTo?: string;
  /**
   * Ids of uploads (attachment-records.ts) the message carries, in order. Checked by the store in
   * the commit: each must be the sender's own, not deleted and not carried by another message,
   * else the send is refused with VALIDATION and nothing is stored; the stored message's
   * `attachments` are their records' public fields, and each record's `holder` becomes it.
   */
  attachmentIds?: readonly string[];
}

/**
 * A send stored now (`created`) or before (the same sender and clientId). `viewers`, on a group
 * message stored now: the ids of the group's members as the commit read them (each one's period
 * holds its seq), whom it goes to live (messages/send-service.ts). The commit is the one truth of
 * membership that no lost notice between nodes can leave stale (docs/reliability.md, C10).
 */
export type StoredOutcome = { message: Message; created: boolean; refused?: undefined; viewers?: string[] };
/** A send the store refused (FORBIDDEN: not a member of the group at commit; NOT_FOUND: no such group). */
export type RefusedOutcome = { refused: PigeonError; message?: undefined; created?: undefined; viewers?: undefined };
export type SendOutcome = StoredOutcome | RefusedOutcome;

/** The stored message of an outcome; throws the refusal. For callers that sent what must be accepted. */
export function storedMessage(outcome: SendOutcome): Message {
  if (outcome.refused) throw outcome.refused;
  return outcome.message;
}


/**
 * `applied`: this call changed the message (its `version` rose and it took a new change-log
 * position). `applied: false`: the same actor and clientId was applied before, or the action
 * changed nothing (the same emoji again, the same body): the message as it is now. Either way
 * `message` is the message's current state as the actor sees it (`hiddenAt` set if they hid it).
 * `affected`: other messages the action changed in the same commit (the replies of a message
 * deleted for everyone, whose quote is emptied), each also moved to a new change-log position.
 */
export type AppliedAction = { message: Message; applied: boolean; affected: Message[]; refused?: undefined };
/** Refused by the rules (@pigeon/sync-protocol model/action-rules.ts): nothing stored, the clientId not recorded. */
export type RefusedAction = { refused: PigeonError; message?: undefined; applied?: undefined; affected?: undefined };
export type ActionOutcome = AppliedAction | RefusedAction;

export interface ReceiptRecord {
  userId: string;
  deliveredAt: string | null;
  readAt: string | null;
}

export interface ConversationRecord {
  id: string;
  type: 'direct' | 'group';
  /** direct: the other member; group: null. */
  peerId: string | null;
  /** group: its title and current members; direct: null and []. */
  title: string | null;
  members: GroupMemberRecord[];
  lastMessage: Message | null;
  /**
   * Messages to this user in the conversation not yet read by them. Group: messages of others
   * (system ones included) in their latest period after its read position.
   */
  unreadCount: number;
  updatedAt: string;
  /** Group only: the user's read position in their latest period (see readPosition). */
  readSeq?: number;
  /**
   * Group only: the user's delivered position in their latest period: the seq up to which their
   * devices stored the group (markDelivered, and markRead, which implies it), so never below
   * readSeq; it starts at the seq that added them.
   */
  deliveredSeq?: number;
}

/**
 * Who a user shares a conversation with now, without what a list entry costs (last messages,
 * unread counts): the presence audience (privacy/contacts.ts) and a socket's group rooms
 * (groups/memberships.ts) are read on every connect.
 */
export interface ContactsRecord {
  /** The other member of each 1:1 conversation of the user's list (one that holds a message), each once. */
  peerIds: string[];
  /** The groups the user is a current member of, each with the ids of its current members (the user's too). */
  groups: { id: string; memberIds: string[] }[];
}

/**
 * How a feed reader wants its feed (GET /api/sync's extension parameters).
 *
 * `omitOwnDelivered`: the user's incoming 1:1 messages come at their last change other than their
 * `delivered` marking. A device stores what it receives as delivered at once and then says so
 * (`message-received`); that marking gives the messages new positions, and without this each page
 * of a catch-up came back in the pages after it. Everything else is as in the default feed: the
 * sender still sees the delivery, a read or an action still brings the message again, and a
 * message delivered before it was read here comes at its insert with its status as it is now.
 * Group messages are unchanged (the aggregate status of a group message is not the reader's own).
 */
export interface FeedOptions {
  omitOwnDelivered?: boolean;
}

export interface ChangePage {
  messages: Message[];
  /** Position to resume from (pass back as `since`); never smaller than the one asked for. */
  position: number;
  hasMore: boolean;
}

export interface Store extends AttachmentStore, NotificationStore {
  readonly kind: 'sqlite' | 'mongodb';
  close(): Promise<void>;
  /**
   * Null while the store can take calls; otherwise why it cannot (closed, its thread died).
   * No I/O: health checks ask it on every probe. A network store whose driver reconnects
   * by itself reports only what is final.
   */
  unavailableReason(): string | null;

  /** Throws PigeonError USERNAME_TAKEN when the (lower-cased) username exists. */
  createUser(user: NewUser): Promise<UserRecord>;
  findUserByUsername(username: string): Promise<UserRecord | null>;
  getUsers(ids: readonly string[]): Promise<UserRecord[]>;
  /**
   * People search: users whose username starts with the query, or any word of whose displayName
   * starts with a word of it (every word of the query must match one; case and accents ignored,
   * search-text.ts), ordered by username.
   */
  searchUsers(query: string, limit: number): Promise<UserRecord[]>;
  setLastSeen(userId: string, at: string): Promise<void>;
  /**
   * Changes the fields of the user's profile that `change` holds, in one commit, and returns the
   * user as stored (null for an unknown user). The display name's search words follow it.
   * `avatarId`: NOT_FOUND unless it is the user's own upload; VALIDATION when a message carries
   * it or it was deleted. While it is the user's photo the attachment is kept by the sweep and
   * cannot be sent in a message; the photo it replaces is an orphan again (reclaimed by the
   * sweep once past the orphan TTL). The avatar's preview is the attachment's.
   */
  updateProfile(userId: string, change: ProfileChange): Promise<UserRecord | null>;
  /** Replaces a user's password hash (a stronger KDF cost on login). */
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;

  /**
   * A random id made once with the store's data (SQLite: in the file; MongoDB: in the database),
   * the same for every process that opens the same data. Nodes of a cluster compare it.
   */
  storeIdentity(): Promise<string>;

  // --- sessions (auth/sessions.ts) ---
  createSession(session: NewSession): Promise<SessionRecord>;
  /** The session whatever its state (revoked, expired), or null (unknown, or deleted by purgeSessions). */
  getSession(sessionId: string): Promise<SessionRecord | null>;
  /** Atomic compare-and-set of the refresh hash; see RotateOutcome. */
  rotateSession(request: RotateRequest): Promise<RotateOutcome>;
  /**
   * Sets currentUsedAt to `at` if the session's current hash is `refreshHash` and it is
   * still null; otherwise does nothing (the token is of an older generation, or already marked).
   */
  markSessionUsed(sessionId: string, refreshHash: string, at: string): Promise<void>;
  /** Marks the user's session revoked; false when it is not theirs, unknown, already revoked or expired at `at`. */
  revokeSession(userId: string, sessionId: string, at: string): Promise<boolean>;
  /** The user's sessions neither revoked nor expired at `now`, most recently seen first. */
  listSessions(userId: string, now: string): Promise<SessionRecord[]>;
  /**
   * Deletes the sessions that ended before `endedBefore`: expired (expiresAt < endedBefore)
   * or revoked (revokedAt < endedBefore). Returns how many. Idempotent, safe on every node
   * at once (auth/session-purge.ts runs it with a cutoff days in the past).
   */
  purgeSessions(endedBefore: string): Promise<number>;

  // --- blocks ---
  /** Idempotent. */
  blockUser(blockerId: string, blockedId: string, at: string): Promise<void>;
  /** Idempotent. */
  unblockUser(blockerId: string, blockedId: string): Promise<void>;
  /** Ids `userId` has blocked. */
  blockedBy(userId: string): Promise<string[]>;
  /** Ids of the users who have blocked `userId`. */
  blockersOf(userId: string): Promise<string[]>;
  /** True when either of the two has blocked the other. */
  isBlockedEitherWay(a: string, b: string): Promise<boolean>;

  /**
   * Group commit: stores a whole batch in one transaction (SQLite) or a few bulk
   * round trips (MongoDB). Outcomes are in input order. Duplicates inside the batch
   * resolve to the same message.
   */
  sendMessages(batch: readonly SendRequest[]): Promise<SendOutcome[]>;

  /**
   * The group commit of message actions (react, edit, delete for everyone, hide = delete for me):
   * a whole batch in one transaction (SQLite) or a few bulk round trips (MongoDB), outcomes in
   * input order, actions on one message applied in input order. Rules: @pigeon/sync-protocol model/action-rules.ts
   * (judged on the stored message and the actor's membership as of the commit). Every applied
   * change moves the message to a new change-log position, so `changesSince` returns its latest
   * state; a hide is in the actor's feed only (with `hiddenAt`), nobody else's.
   */
  applyActions(batch: readonly ActionRequest[]): Promise<ActionOutcome[]>;

  /**
   * `recipientId`'s device stored these messages. 1:1: `sent` messages addressed to them become
   * delivered. Group: their delivered position in each group moves up to the highest seq among
   * the ids (within their latest period: a removed member's last one still moves, but only
   * current members count for statuses), and a message becomes delivered once every other
   * current member's position covers it (docs/architecture.md, "Groups"). Returns the messages
   * whose status changed.
   */
  markDelivered(recipientId: string, messageIds: readonly string[], at: string): Promise<Message[]>;
  /**
   * 1:1: every message to `readerId` with seq ≤ upToSeq becomes read. Group: the reader's read
   * (and delivered) position in their latest period moves up to upToSeq (at most the period's
   * end or the last seq); aggregate statuses as for delivered. Returns the messages whose
   * status changed.
   */
  markRead(readerId: string, conversationId: string, upToSeq: number, at: string): Promise<Message[]>;
  /**
   * Group: the user's read position in their latest period (it starts at the seq that added them,
   * and markRead moves it); null when they never were a member or the group does not exist.
   */
  readPosition(conversationId: string, userId: string): Promise<number | null>;

  /**
   * Up to `limit` messages with seq < beforeSeq (or the newest when null), oldest → newest.
   * For a group, only the seqs of `viewerId`'s membership periods (none without a viewer).
   */
  getHistory(conversationId: string, beforeSeq: number | null, limit: number, viewerId?: string): Promise<Message[]>;
  /** The user's conversations, newest first: 1:1 ones, and every group they are or were a member of. */
  listConversations(userId: string): Promise<ConversationRecord[]>;
  /**
   * The peers of the user's 1:1 conversations and their current groups with members: what
   * listConversations says of them (`peerId`; the groups whose current members include the user),
   * in a few reads whatever the number of conversations and messages. Orders are unspecified.
   */
  contactsOf(userId: string): Promise<ContactsRecord>;
  /**
   * Messages of the user's conversations created or changed after `position`, in change order:
   * for a group, only messages whose seq is in one of the user's membership periods. Content
   * changes (applyActions) move a message like status changes do; a message the user hid (delete
   * for me) comes again at the hide's position with `hiddenAt` set, in this user's feed only.
   */
  changesSince(userId: string, position: number, limit: number, options?: FeedOptions): Promise<ChangePage>;

  // --- groups (docs/architecture.md, "Groups") ---
  /**
   * Creates a group and its `group-created` message (seq 1) in one commit; the creator is its
   * admin. Idempotent by (creatorId, clientId): again → the same group, `created: false`.
   * VALIDATION: fewer than 2 or more than 256 members in all; NOT_FOUND: a member is not a user.
   */
  createGroup(request: CreateGroupRequest): Promise<GroupOutcome>;
  /**
   * Renames, adds members or removes one (removing oneself is leaving), with its system message,
   * in one commit; rules in groups/rules.ts (FORBIDDEN for a non-admin or non-member actor,
   * VALIDATION past 256 members, NOT_FOUND for an unknown group or user). Nothing is half-applied.
   */
  changeGroup(request: GroupChangeRequest): Promise<GroupOutcome>;
  /** The group with its current members, or null (unknown, or a direct conversation). */
  getGroup(conversationId: string): Promise<GroupRecord | null>;
  /** The user's membership periods of the group, oldest first ([] if never a member). */
  memberPeriods(conversationId: string, userId: string): Promise<MemberPeriod[]>;
  /** One message by id, or null. */
  getMessage(messageId: string): Promise<Message | null>;
  /**
   * Per-member receipts of a group message: every member other than the sender whose period
   * holds the message's seq (leavers included), with when their delivered and read positions
   * first covered it. null for an unknown message or a 1:1 one.
   */
  messageReceipts(messageId: string): Promise<ReceiptRecord[] | null>;
}
