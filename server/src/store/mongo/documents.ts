import type { Message, MessageStatus } from '@pigeon/sync-protocol';
import type { UserRecord } from '../store.ts';

/** Ids are strings we generate, so `_id` is the public id and no ObjectId leaks out. */
export interface UserDoc {
  _id: string;
  /** Lower-cased; the unique index on it is the case-insensitive uniqueness. */
  username: string;
  displayName: string;
  /** For the case-insensitive prefix search: an indexed, anchored regex needs a case-folded copy. */
  displayNameLower: string;
  passwordHash: string;
  createdAt: string;
  lastSeen: string | null;
}

export interface MessageDoc {
  _id: string;
  clientId: string;
  conversationId: string;
  senderId: string;
  recipientId: string;
  body: string;
  seq: number;
  createdAt: string;
  status: MessageStatus;
  /** Change-log position: set at insert, replaced by a larger one at every status change. */
  changePos: number;
  deliveredAt?: string;
  readAt?: string;
}

/** The statuses of a message its recipient has not read yet. */
export const NOT_READ: MessageStatus[] = ['sent', 'delivered'];

/**
 * One per conversation, created by the first send. `lastSeq` is the allocator
 * (it may run ahead of what is committed); `lastCommittedSeq` points at the newest
 * stored message for the conversation list.
 */
export interface ConversationDoc {
  _id: string;
  members: [string, string];
  lastSeq: number;
  createdAt: string;
  lastCommittedSeq?: number;
  updatedAt?: string;
}

/** One signed-in device; the fields are SessionRecord's (store.ts), `_id` its id. */
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
  /** Absent on sessions written before it existed: read as null. */
  currentUsedAt?: string | null;
}

/** `_id` is `<blockerId>:<blockedId>`, so a block exists at most once and both directions are `_id` lookups. */
export interface BlockDoc {
  _id: string;
  blockerId: string;
  blockedId: string;
  createdAt: string;
}

export interface CounterDoc {
  _id: string;
  value: number;
}

export const toMessage = (d: MessageDoc): Message => ({
  id: d._id,
  clientId: d.clientId,
  conversationId: d.conversationId,
  senderId: d.senderId,
  recipientId: d.recipientId,
  body: d.body,
  seq: d.seq,
  createdAt: d.createdAt,
  status: d.status,
});

export const toUser = (d: UserDoc): UserRecord => ({
  id: d._id,
  username: d.username,
  displayName: d.displayName,
  passwordHash: d.passwordHash,
  createdAt: d.createdAt,
  lastSeen: d.lastSeen ?? null,
});
