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
