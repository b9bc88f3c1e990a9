/**
 * What the engine needs from the network, as one interface. The default
 * (socket-io-transport.ts) is Socket.io for the realtime half and fetch for REST,
 * both to `serverUrl`; tests and embedders may inject another one, e.g. the
 * in-memory server of `@pigeon/sync-protocol/testing`.
 *
 * Rules an implementation keeps, because the engine relies on them:
 *  - It never queues. A realtime call while disconnected rejects at once; the durable
 *    outbox is the only queue, so nothing can be sent twice from two buffers or lost
 *    with a reload.
 *  - Every failure is a PigeonError, so callers branch on `code`. A request that never
 *    got an answer (offline, refused, cut mid-body) is `networkError(…)`: retried, never
 *    reported as a bug. An acked call rejects after `ackTimeoutMs` or on disconnect.
 *  - A refused token is a PigeonError UNAUTHENTICATED (401 on REST); a handshake refused
 *    for the token reports `connectError(true, …)`. The engine decides what follows (one
 *    refresh, then a retry or a sign-out: engine/auth/), never the transport.
 *  - Incoming events are validated (the shared zod schemas) before a handler sees them.
 */
import type { ConversationMute, MuteResponse, MutesResponse, PushConfigResponse, PushSubscriptionInput } from '../../model/notifications.ts';
import type { SearchResponse } from '../../model/search.ts';
import { PigeonError } from '../../errors.ts';
import type { MessageStatusEvent, PresenceEvent, ReadPositionEvent, TypingEvent, UserUpdatedEvent } from '../../events/down.ts';
import type { ConversationState, ConversationSummary, ReceiptsResponse } from '../../model/conversation.ts';
import type { CreateGroupBody } from '../../model/group.ts';
import type { Message, SendMessageInput } from '../../model/message.ts';
import type { SendBatchResult } from '../../events/send-batch.ts';
import type { MessageAction } from '../../model/message-action.ts';
import type { UploadQuery } from '../../model/attachment.ts';
import type { Attachment } from '../../model/message-parts.ts';
import type { User } from '../../model/user.ts';
import type { ProfileResponse, ProfileUpdate } from '../../rest/profile.ts';
import type { AuthResponse, RefreshResponse, SessionInfo } from '../../rest/auth.ts';
import type { ConversationsResponse, HistoryResponse } from '../../rest/messages.ts';
import type { SyncOptions, SyncResponse } from '../../rest/sync.ts';

/**
 * What register and login answer. `refreshToken` is in the contract; a server that predates
 * sessions sends none, and the engine then keeps the access token until it is refused.
 */
export type SignInResponse = Omit<AuthResponse, 'refreshToken'> & { refreshToken?: string };

/** A change of a group (`PATCH` / `POST …/members` / `DELETE …/members/:userId` / `PATCH …/members/:userId` on /api/conversations/:id). */
export type GroupChange =
  | { kind: 'rename'; title: string }
  | { kind: 'add'; userIds: string[] }
  | { kind: 'remove'; userId: string }
  /** Make admin (`PATCH …/members/:userId { role: 'admin' }`, an extension of the contract). */
  | { kind: 'promote'; userId: string };

/** A group's creation or change, answered: the group after it and the system message recording it (null: nothing changed, or not sent). */
export interface GroupAnswer {
  conversation: ConversationSummary;
  message: Message | null;
}

/**
 * A message action as it goes out (contract v2, "Message actions"): the target by server id, and
 * the action's own clientId (the server applies it once per actor and clientId).
 */
export type MessageActionInput = { clientId: string; messageId: string } & MessageAction;

/**
 * One request of a resumable upload (`POST /api/attachments`, docs/api.md "Attachments").
 * `chunk`: bytes `start`.. of the file (`blob` is that slice), sent with
 * `Content-Range: bytes start-(start+blob.size-1)/size`; null asks where the upload stands
 * (`bytes * /size`, no body). `type` is the Content-Type sent (the server decides the mime itself).
 */
export interface UploadRequest {
  query: UploadQuery;
  type: string;
  size: number;
  chunk: { start: number; blob: Blob } | null;
  /** Aborts the request (the bytes the server got so far are kept: the next request continues them). */
  signal?: AbortSignal;
}

/**
 * `done`: the stored attachment (`created` false: it was finished before). Otherwise where the
 * upload stands: `offset` bytes stored (from a 202, or a 409 CONFLICT whose start did not match).
 */
export type UploadAnswer = { done: true; attachment: Attachment; created: boolean } | { done: false; offset: number };

/** The realtime channel's lifecycle and what the server pushes on it. */
export interface TransportEvents {
  connect(): void;
  /** `reason` 'io server disconnect': the server closed the connection on purpose (e.g. the session was revoked). */
  disconnect(reason: string): void;
  /** `unauthenticated`: the server refused the handshake (bad or expired token). */
  connectError(unauthenticated: boolean, error: Error): void;
  newMessage(message: Message): void;
  status(event: MessageStatusEvent): void;
  typing(event: TypingEvent, typing: boolean): void;
  presence(event: PresenceEvent, online: boolean): void;
  /** `sync-hint`: the server may have dropped events meant for this device; catch up. Optional for older embedders. */
  syncHint?(): void;
  /** `conversation-updated`: a group's title or members changed (its system message came just before). Optional. */
  conversationUpdated?(conversation: ConversationState): void;
  /** `read-position`: the user read a group up to `readSeq` on another device. Optional. */
  readPosition?(event: ReadPositionEvent): void;
  /** `message-updated`: a message's content changed (reaction, edit, delete; our own hide on another device). Optional. */
  messageUpdated?(message: Message): void;
  /** `conversation-muted`: the user muted or unmuted a chat on another device. */
  conversationMuted?(mute: ConversationMute): void;
  /** `user-updated`: someone's profile (or the user's own, from another device) changed. Optional. */
  userUpdated?(event: UserUpdatedEvent): void;
}

/** What the engine tells a transport when it creates it. */
export interface TransportContext {
  /** The session's access token, read on every request and every (re)connect; null when signed out. */
  getToken(): string | null;
  /** How long an acked realtime call may wait for its ack (ms). */
  ackTimeoutMs: number;
}

export interface Transport {
  /** Whether the realtime channel is connected now. */
  readonly connected: boolean;
  /** Connects (and keeps reconnecting) the realtime channel; replaces an earlier `open`. */
  open(events: TransportEvents): void;
  /** Disconnects for good; no event is delivered afterwards. */
  close(): void;
  /** Drops the connection as a network failure would; the transport reconnects by itself. */
  dropConnection(): void;

  register(body: { username: string; password: string; displayName?: string }): Promise<SignInResponse>;
  login(body: { username: string; password: string }): Promise<SignInResponse>;
  /** `POST /api/auth/refresh`: a new access token and the refresh token's successor. 401 UNAUTHENTICATED: the session is over. */
  refresh(refreshToken: string): Promise<RefreshResponse>;
  /** `POST /api/auth/logout` with this access token (not the session's: it may be forgotten already). Revokes the session. */
  logout(accessToken: string): Promise<void>;
  me(): Promise<{ user: User }>;
  /** `PATCH /api/users/me` (rest/profile.ts): the fields present change; answers the user as stored. */
  updateProfile(change: ProfileUpdate): Promise<ProfileResponse>;
  /** `GET /api/users/:id/avatar`: the photo (WebP), or null when the user has none (404). */
  avatar(userId: string): Promise<Blob | null>;
  searchUsers(query: string): Promise<{ users: User[] }>;
  /** `GET /api/users?ids=` (1..256 ids): the profiles of those that exist, in no particular order. */
  users(ids: readonly string[]): Promise<{ users: User[] }>;
  conversations(): Promise<ConversationsResponse>;
  /** Older messages than the `before` history cursor (the newest page when null). */
  history(conversationId: string, before: string | null, limit: number): Promise<HistoryResponse>;
  /** Changes after the `since` sync cursor. */
  sync(since: string, limit: number, options?: SyncOptions): Promise<SyncResponse>;

  /** `GET /api/sessions`: the user's live sessions, most recently seen first; `current` marks this one. */
  sessions(): Promise<{ sessions: SessionInfo[] }>;
  /** `DELETE /api/sessions/:id`; NOT_FOUND unless it is one of the user's live sessions. */
  revokeSession(sessionId: string): Promise<void>;
  /** `POST /api/users/:id/block` (idempotent). */
  block(userId: string): Promise<void>;
  /** `DELETE /api/users/:id/block` (idempotent). */
  unblock(userId: string): Promise<void>;
  /** `GET /api/users/blocked`: the users this one has blocked (without presence). */
  blocked(): Promise<{ users: User[] }>;

  /** `POST /api/conversations`: the same clientId again answers the same group (a retry creates nothing). */
  createGroup(body: CreateGroupBody): Promise<GroupAnswer>;
  /** A change by the caller, idempotent by clientId (the server stores its system message once per actor and clientId). */
  changeGroup(conversationId: string, change: GroupChange, clientId: string): Promise<GroupAnswer>;
  /** `GET /api/conversations/:id` (members only: FORBIDDEN otherwise). */
  conversation(conversationId: string): Promise<{ conversation: ConversationSummary }>;
  /** `GET /api/messages/:id/receipts`: who of a group got and read the message, and when (members only). */
  messageReceipts(messageId: string): Promise<ReceiptsResponse>;

  /**
   * One request of a resumable upload; rejects with the server's code for a refusal
   * (PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, VALIDATION, RATE_LIMITED) and a network error
   * for a cut connection.
   */
  uploadAttachment(request: UploadRequest): Promise<UploadAnswer>;
  /**
   * `GET /api/attachments/:id` with the token: the bytes (FORBIDDEN / NOT_FOUND otherwise);
   * `thumbnail`: `GET /api/attachments/:id/thumbnail`, the server's small WebP of a raster image.
   */
  downloadAttachment(id: string, options?: { thumbnail?: boolean; signal?: AbortSignal }): Promise<Blob>;

  /** Resolves with the stored message (the same one again for a repeated clientId). */
  sendMessage(input: SendMessageInput, via: 'socket' | 'rest'): Promise<Message>;
  /**
   * A batched send (extension; events/send-batch.ts): `send-messages` or `POST /api/messages/batch`.
   * Resolves with one result per message handled, in order, a prefix of `inputs` (the rest were
   * not stored); rejects when the whole request failed (nothing stored). Optional: without it the
   * drainer sends one message at a time.
   */
  sendMessages?(inputs: readonly SendMessageInput[], via: 'socket' | 'rest'): Promise<SendBatchResult[]>;
  /**
   * React / edit / delete for everyone / hide (delete for me), by socket (`react`, `edit-message`,
   * `delete-message`, `hide-message`) or REST (`PUT /api/messages/:id/reaction`, `PATCH
   * /api/messages/:id`, `DELETE /api/messages/:id?clientId=`, `POST /api/messages/:id/hide`).
   * Resolves with the message's state after it (the same again for a repeated clientId).
   */
  messageAction(input: MessageActionInput, via: 'socket' | 'rest'): Promise<Message>;
  messageReceived(messageIds: string[]): Promise<void>;
  messageRead(conversationId: string, upToSeq: number): Promise<void>;
  userStatus(userId: string): Promise<{ online: boolean; lastSeen: string | null }>;
  /** `GET /api/messages/search` (model/search.ts): the server's matches, newest first. */
  searchMessages(query: { q: string; conversationId?: string; limit?: number }): Promise<SearchResponse>;
  /** `PUT /api/conversations/:id/mute` (model/notifications.ts): the mute as the server recorded it. */
  setMute(conversationId: string, muted: boolean): Promise<MuteResponse>;
  /** `GET /api/conversations/mutes`: every mute record of the user. */
  mutes(): Promise<MutesResponse>;
  /** `GET /api/push/config`. */
  pushConfig(): Promise<PushConfigResponse>;
  /** `POST /api/push/subscriptions` (201 or 200). */
  addPushSubscription(input: PushSubscriptionInput): Promise<void>;
  /** `DELETE /api/push/subscriptions` (204). */
  removePushSubscription(endpoint: string): Promise<void>;
  /** Fire-and-forget; dropped while disconnected (a late typing state is worthless). */
  typing(to: string, typing: boolean): void;
  /** The same in a conversation: a group's members, or a 1:1 conversation's peer (`{ conversationId }`). */
  typingIn(conversationId: string, typing: boolean): void;
}

/** Creates the transport of one engine. */
export type TransportFactory = (context: TransportContext) => Transport;

/** A request that never got an answer: worth retrying, not worth reporting. */
export const networkError = (why: string): PigeonError => new PigeonError('UNAVAILABLE', `network error: ${why}`, { network: true });

export const isNetworkError = (e: unknown): boolean =>
  e instanceof PigeonError && (e.details as { network?: boolean } | undefined)?.network === true;
