/** The in-memory server's public types: its calls as interceptors see them, its options, a connection. */
import type { ServerToClientEvents } from '../events/socket-types.ts';
import type { SendMessageInput } from '../model/message.ts';

export type ServerOp =
  | 'register'
  | 'login'
  | 'refresh'
  | 'logout'
  | 'me'
  | 'searchUsers'
  | 'users'
  | 'conversations'
  | 'history'
  | 'sync'
  | 'sendMessage'
  // Batched sends (extension; events/send-batch.ts): only a transport made with batchedSends asks for it.
  | 'sendMessages'
  | 'messageReceived'
  | 'messageRead'
  | 'userStatus'
  | 'sessions'
  | 'revokeSession'
  | 'block'
  | 'unblock'
  | 'blocked'
  | 'createGroup'
  | 'changeGroup'
  | 'conversation'
  | 'messageReceipts'
  // Message actions (contract v2; hideMessage: delete for me, an extension).
  | 'react'
  | 'editMessage'
  | 'deleteMessage'
  | 'hideMessage'
  // Attachments (contract v2): one request of a resumable upload, a download.
  | 'uploadAttachment'
  | 'downloadAttachment'
  // Notifications and search (memory-notifications.ts).
  | 'searchMessages'
  | 'setMute'
  | 'mutes'
  | 'pushConfig'
  | 'addPushSubscription'
  | 'removePushSubscription'
  // Profiles (memory-profiles.ts).
  | 'updateProfile'
  | 'avatar';

/** One request as an interceptor sees it. */
export type ServerCall = {
  via: 'rest' | 'socket';
  /** The caller, once authenticated; null for register/login/refresh or a refused token. */
  userId: string | null;
  /** Socket calls: cut the caller's connection instead of answering (an ack lost in the network). */
  dropConnection(): void;
} & ({ op: 'sendMessage'; input: SendMessageInput } | { op: Exclude<ServerOp, 'sendMessage'>; input: unknown });

/** Runs around a call: `next()` computes the server's answer. Throw to fail the call. */
export type Interceptor = (call: ServerCall, next: () => Promise<unknown>) => Promise<unknown>;

export interface MemoryServerOptions {
  /** Sends per user per window, as SEND_RATE_LIMIT does on the real server. 0 (default): no limit. */
  sendRateLimit?: number;
  sendRateWindowMs?: number;
  /** Typing TTL: a typing state not renewed for this long is stopped. Default LIMITS.typingTtlMs. */
  typingTtlMs?: number;
  /** Lifetime of an access token (ms). Default 15 minutes, as the real server's. */
  accessTokenTtlMs?: number;
  /** A used refresh token presented again within this window returns the same successor (ms). Default 30,000. */
  refreshReuseWindowMs?: number;
  /** The largest upload in bytes, as ATTACHMENT_MAX_BYTES. Default LIMITS.attachmentMaxBytesDefault (16 MiB). */
  attachmentMaxBytes?: number;
}

/** A device's realtime connection, as the server sees it. */
export interface MemoryConnection {
  readonly userId: string;
  readonly sessionId: string;
  deliver<E extends keyof ServerToClientEvents>(event: E, payload: Parameters<ServerToClientEvents[E]>[0]): void;
  /** Cut by the network: the device sees a disconnect and reconnects. */
  drop(): void;
  /** Closed by the server on purpose ('io server disconnect'): the device reconnects, with whatever token it has then. */
  kick(): void;
}

/** What a request carries besides its input. */
export interface CallContext {
  /** The caller's connection (socket calls). */
  from?: MemoryConnection;
  /** The transport's own interceptor, run before the server's. */
  first?: Interceptor;
  /** The device's User-Agent, recorded on the session that register and login open. */
  userAgent?: string;
}
