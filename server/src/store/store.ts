import type { Message } from '@pigeon/sync-protocol';

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
}

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string;
}

/** A validated send: body already trimmed, recipient known to exist and differ from the sender. */
export interface SendRequest {
  senderId: string;
  recipientId: string;
  clientId: string;
  body: string;
}

export type SendOutcome = { message: Message; created: boolean };

export interface ConversationRecord {
  id: string;
  peerId: string;
  lastMessage: Message | null;
  /** Messages to this user in the conversation not yet `read`. */
  unreadCount: number;
  updatedAt: string;
}

export interface ChangePage {
  messages: Message[];
  /** Position to resume from (pass back as `since`); never smaller than the one asked for. */
  position: number;
  hasMore: boolean;
}

/**
 * One signed-in device. The refresh token is `<id>.<secret>`; only a hash of the secret
 * is kept (`refreshHash`), plus the hash it replaced (`previousRefreshHash`, at
 * `rotatedAt`) so a second presentation of the old one can be told from an unknown one.
 */
export interface SessionRecord {
  id: string;
  userId: string;
  userAgent: string;
  createdAt: string;
  /** Creation or last refresh. */
  lastSeenAt: string;
  /** The refresh token stops working then (sliding: moved forward by every refresh). */
  expiresAt: string;
  revokedAt: string | null;
  refreshHash: string;
  previousRefreshHash: string | null;
  rotatedAt: string | null;
  /**
   * When an access token issued with the current refresh token was first presented
   * (markSessionUsed); null until then, and again after every rotation. A replaced refresh
   * token presented while this is null cannot be a thief's replay after the owner moved on:
   * nobody has used its successor yet (auth/sessions.ts).
   */
  currentUsedAt: string | null;
}

export interface NewSession {
  userId: string;
  userAgent: string;
  refreshHash: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * Result of a compare-and-set rotation: `rotated` when `presentedHash` was the current
 * hash (now replaced); `stale` when it was the previous one (the session is returned
 * unchanged, so the caller can judge the grace window); `mismatch` otherwise, or when
 * the session is unknown, revoked or expired.
 */
export type RotateOutcome =
  | { kind: 'rotated'; session: SessionRecord }
  | { kind: 'stale'; session: SessionRecord }
  | { kind: 'mismatch' };

export interface RotateRequest {
  sessionId: string;
  presentedHash: string;
  nextHash: string;
  at: string;
  expiresAt: string;
}

export interface Store {
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
  /** Prefix match on username or displayName, case-insensitive, ordered by username. */
  searchUsers(prefix: string, limit: number): Promise<UserRecord[]>;
  setLastSeen(userId: string, at: string): Promise<void>;
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

  /** Marks `sent` messages addressed to `recipientId` as delivered. Returns the messages that changed. */
  markDelivered(recipientId: string, messageIds: readonly string[], at: string): Promise<Message[]>;
  /** Marks every message to `readerId` in the conversation with seq ≤ upToSeq as read. Returns the changed ones. */
  markRead(readerId: string, conversationId: string, upToSeq: number, at: string): Promise<Message[]>;

  /** Up to `limit` messages with seq < beforeSeq (or the newest when null), oldest → newest. */
  getHistory(conversationId: string, beforeSeq: number | null, limit: number): Promise<Message[]>;
  /** The user's conversations, newest first. */
  listConversations(userId: string): Promise<ConversationRecord[]>;
  /** Messages of the user's conversations created or changed after `position`, in change order. */
  changesSince(userId: string, position: number, limit: number): Promise<ChangePage>;
}
