/**
 * The sync engine's public surface. The PWA and tests use only this; the Dexie
 * schema behind it is an implementation detail reached through `queries`.
 */
import type { ErrorCode } from '../errors.ts';
import type { Member } from '../model/group.ts';
import type { Message } from '../model/message.ts';
import type { MessageActionKind } from '../model/message-action.ts';
import type { Attachment, Reaction } from '../model/message-parts.ts';
import type { SystemEvent } from '../model/system-event.ts';
import type { User } from '../model/user.ts';
import type { PushSubscriptionInput } from '../model/notifications.ts';
import type { SessionInfo } from '../rest/auth.ts';
import type { LocalStatus } from '../status.ts';
import type { TransportFactory } from './transport/transport.ts';

export type { SessionInfo } from '../rest/auth.ts';

/** One member's receipt of a group message (`GET /api/messages/:id/receipts`): null until their devices got / they read it. */
export interface MessageReceipt {
  userId: string;
  deliveredAt: string | null;
  readAt: string | null;
}
export type { SignInResponse, Transport, TransportContext, TransportEvents, TransportFactory } from './transport/transport.ts';

/** A file to send: a browser `File`, or any Blob with a name (Node). */
export interface OutgoingFile {
  blob: Blob;
  name: string;
}

/**
 * An attachment as a device holds it (contract v2, "Attachments"): the server's once the message
 * is acked. Before, it describes this device's own file: `id` is `local:<upload clientId>`, `mime`
 * the file's own type, `sha256` computed here, and `uploaded` how many bytes the server has
 * stored so far (progress); the bytes themselves are in the device's database
 * (`engine.media.blob(attachment)`), written in the same transaction as the message.
 */
export interface LocalAttachment extends Attachment {
  uploaded?: number;
}

/** The bytes of attachments on this device (engine/media/): own pending files and a least-recently-used cache of downloads. */
export interface EngineMedia {
  /**
   * The bytes of an attachment: this device's own pending file, the cache, or downloaded with the
   * session's token (then cached, and the cache trimmed to its budget). Rejects with the server's
   * code (FORBIDDEN, NOT_FOUND) or, offline and not cached, UNAVAILABLE with `details.network`.
   */
  blob(attachment: Attachment): Promise<Blob>;
  /**
   * What a chat bubble shows of a raster image: the server's thumbnail (≤ 480 px WebP, a few tens
   * of KiB, cached like the bytes), or the full bytes when this device holds them already (its own
   * photo, or opened before). Other attachments: as `blob`.
   */
  thumbnail(attachment: Attachment): Promise<Blob>;
  /** Whether the full bytes are on this device now (readable offline). */
  has(attachmentId: string): Promise<boolean>;
  /** The cache budget in bytes (downloads beyond it are evicted least recently used first); null keeps everything. Kept on the device. */
  setBudget(bytes: number | null): Promise<void>;
  budget(): Promise<number | null>;
  /** Bytes of downloads cached now (own pending files not counted). */
  usage(): Promise<number>;
}

/** A message as a device holds it: server fields once acked, local ones before. */
export interface LocalMessage {
  /** `${senderId}:${clientId}` — stable from the moment the message is typed. */
  key: string;
  id: string | null;
  clientId: string;
  conversationId: string;
  senderId: string;
  recipientId: string;
  body: string;
  /** null while pending or failed. */
  seq: number | null;
  /** Server time once acked, local time before. ISO-8601. */
  createdAt: string;
  /** Local creation time (ms), orders pending messages after the acked ones. */
  localCreatedAt: number;
  status: LocalStatus;
  error?: { code: ErrorCode; message: string };
  /** 'system': a group change (who did what is in `system`; body is empty). Absent: text. */
  type?: 'text' | 'system';
  system?: SystemEvent;

  // Message actions (contract v2). Every field shows this device's own unacknowledged actions on
  // top of the server's state (engine/local/pending-actions.ts), so an offline reaction, edit or
  // delete shows at once; absent fields mean null / [] (a row stored before v2).
  /** The message this one answers: `key` is the original's row key (known for a reply typed here even before the original was acked). */
  replyTo?: { key?: string | null; id: string | null; senderId: string; preview: string } | null;
  reactions?: Reaction[];
  editedAt?: string | null;
  /** Deleted for everyone: body '' and no attachments; the UI shows "This message was deleted". */
  deletedAt?: string | null;
  /** Deleted for me (on every device of this user): queries leave it out. */
  hiddenAt?: string | null;
  /** In the order shown; see LocalAttachment (local ones while the message is pending). */
  attachments?: LocalAttachment[];
  /** The server's content version of the copy this row holds (Message.version). */
  version?: number;
  /** How many of this device's actions on this message the server has not acknowledged yet. */
  pendingActions?: number;
  /**
   * The last action of this device the server refused for good (an edit after the 15-minute
   * window, a reaction to a message deleted meanwhile): the row shows the server's state again,
   * and the UI a notice until `dismissActionError(key)`.
   */
  actionError?: { kind: MessageActionKind; code: ErrorCode; message: string };
}

export interface LocalConversation {
  id: string;
  type: 'direct' | 'group';
  /** direct: the other user; group: ''. */
  peerId: string;
  /** group: its title, this device's pending rename included; direct: '' (ConversationView.title has the peer's name). */
  title: string;
  /** group: the members as this device knows them, its pending changes included; direct: []. */
  members: Member[];
  /** The signed-in user may send here: false in a group they left or were removed from, or whose creation failed. */
  writable: boolean;
  /**
   * A group created on this device that the server has not acknowledged yet: its id is local
   * (`local:<clientId>`) until then; `queries.conversation(localId)` follows it to the server's.
   */
  local?: boolean;
  lastMessage: LocalMessage | null;
  unreadCount: number;
  updatedAt: string;
  /** The user muted this chat (on any device; this device's pending change included): no push, not in unreadTotal. */
  muted?: boolean;
}

/** A message found by `search`: this device's copy when it holds one, else the server's (not stored). */
export interface SearchHit {
  message: LocalMessage;
  /** `device`: found in IndexedDB (offline too); `server`: only the server found it (history this device never loaded); `both`. */
  source: 'device' | 'server' | 'both';
}

export interface SearchResults {
  /** Newest first (createdAt descending, then id), at most the limit; device and server hits merged by id. */
  hits: SearchHit[];
  /** The query's words as matched (search-text.ts `queryTerms`): what to highlight (`highlightRanges`). */
  terms: string[];
  /** The server answered; false: this device's messages only (offline, or the server failed: see `serverError`). */
  server: boolean;
  serverError?: { code: ErrorCode; message: string };
}

/**
 * What the user typed in each chat and has not sent, per account, in the device's database
 * (local/drafts.ts): it survives reloads, closed tabs and app updates. Another account signed in
 * on the device never sees them; a sign-out with clearData deletes them.
 */
export interface EngineDrafts {
  /**
   * The signed-in account's drafts by conversation id, synchronously: read from the database when
   * its session started (before `resume()` / `signIn()` / `signUp()` resolved), with this engine's
   * `set`s since. Empty while signed out.
   */
  loaded(): ReadonlyMap<string, string>;
  /** The signed-in account's drafts as stored now (other tabs' writes included). UNAUTHENTICATED signed out. */
  all(): Promise<Map<string, string>>;
  /** Stores the draft of a conversation; '' deletes it. UNAUTHENTICATED signed out. */
  set(conversationId: string, text: string): Promise<void>;
}

/** Web Push for this device (model/notifications.ts). Online only: each rejects with a PigeonError (UNAVAILABLE offline). */
export interface EnginePush {
  /** The server's VAPID public key (base64url), for `PushManager.subscribe({ applicationServerKey })`. */
  config(): Promise<{ vapidPublicKey: string }>;
  /** Saves this device's subscription for the signed-in user (again with another `preview` to change it). */
  subscribe(subscription: PushSubscriptionInput): Promise<void>;
  unsubscribe(endpoint: string): Promise<void>;
}

export type ConnectionState = 'online' | 'connecting' | 'offline';

export interface EngineState {
  connection: ConnectionState;
  /** Entries in the outbox: messages, group changes and message actions alike. */
  outboxSize: number;
  /**
   * Of `outboxSize`, the message actions (reactions, edits, deletes): a UI that says "N messages
   * waiting" counts `outboxSize - outboxActions` (the rest: messages, and group changes, which
   * show as pending lines in their chat).
   */
  outboxActions: number;
  lastSyncAt: string | null;
  userId: string | null;
  /**
   * (Extension, issue #20.) The catch-up through `/api/sync` going on now, or null/absent when none
   * is: updated after each page it stores. A UI shows progress for a big one (`hasMore` after
   * the first page: more pages to come), not for the one-page catch-up of every reconnect.
   */
  catchUp?: CatchUpProgress | null;
  /**
   * (Extension, issue #20.) Delivery receipts the device owes the server: incoming messages it
   * stored and shows `delivered` whose `message-received` the server has not acked yet (absent
   * before the first count). Sent by themselves; a UI has nothing to show for it, but whoever
   * compares the device with the server waits for 0 as for an empty outbox.
   */
  receiptsOwed?: number;
}

/** A catch-up run so far: pages stored, messages new to the device among them, and whether more pages follow. */
export interface CatchUpProgress {
  pages: number;
  messages: number;
  hasMore: boolean;
}

export interface EngineEvents {
  state: EngineState;
  /**
   * The session ended on this device. `user`: signOut() here or in another tab. `expired`: the
   * server refused the token and then its refresh (the session lapsed, or ended while the device
   * was not connected). `revoked`: the server cut the socket on purpose and refused the refresh
   * (signed out from another device, or the session was deleted). The outbox is kept in every
   * case except signOut({ clearData: true }).
   */
  'signed-out': { reason: 'expired' | 'user' | 'revoked' };
  typing: { from: string; conversationId: string; typing: boolean };
  presence: { userId: string; online: boolean; lastSeen: string | null };
  /** A server copy applied to the local database (useful for tests and notifications). */
  message: Message;
  /**
   * An unexpected failure in background work (a bug or a broken database, not a
   * network error, which is simply retried). Logged with console.warn when nobody listens.
   */
  error: { where: string; error: unknown };
}

export interface SyncEngineOptions {
  /** Base URL of the server; '' for same-origin (the PWA). Unused when `transport` is given. */
  serverUrl: string;
  /**
   * The network. Default: Socket.io and fetch to `serverUrl`. Tests pass an in-memory
   * server's (`createMemoryServer().transport()` from `@pigeon/sync-protocol/testing`).
   */
  transport?: TransportFactory;
  /**
   * Follow the browser's `online` / `offline` events with `setNetworkEnabled(navigator.onLine)`.
   * Default: true where there is a `window` with `navigator.onLine` (browsers), false elsewhere.
   */
  followBrowserNetwork?: boolean;
  /** IndexedDB database name; one per device/profile. Default 'pigeon'. */
  dbName?: string;
  /** Injected for Node (fake-indexeddb); defaults to globals. */
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
  fetch?: typeof fetch;
  /** Web Locks for single-tab draining; null forces the fallback. */
  locks?: LockManager | null;
  /** Ack timeout for `send-message` (ms). */
  ackTimeoutMs?: number;

  // --- tuning knobs (all optional; defaults suit the PWA, tests shorten them) ---
  /** Outbox retry backoff: first step and cap (ms). Default 250 / 30,000. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Failed socket sends of one message before it goes over `POST /api/messages`. Default 3. */
  socketFailuresBeforeRest?: number;
  /** How long the socket may be down before the drainer uses REST instead (ms). Default 3,000. */
  restFallbackAfterMs?: number;
  /**
   * `GET /api/sync` page size, every page. Default: 500 for a catch-up's first page, then 1,000
   * (`LIMITS.syncPageMax`) while the server has more (options.ts `CATCH_UP_PAGES`).
   */
  syncPageSize?: number;
  /**
   * The longest the delivered receipts owed during a catch-up wait for its end (ms; up/receipts.ts
   * `holdDelivered`). Default 5,000.
   */
  deliveredHoldMaxMs?: number;
  /** Socket.io reconnection delay and its cap (ms). Default 1,000 / 5,000. */
  reconnectionDelayMs?: number;
  reconnectionDelayMaxMs?: number;
  /** Socket.io transports. Default ['websocket', 'polling']. */
  transports?: ('websocket' | 'polling')[];
  /**
   * Give up on a socket connection attempt after this long (ms) and try again; a connection
   * that half-opened and went silent is otherwise only noticed after Socket.io's 20 s. Default 8,000.
   */
  connectTimeoutMs?: number;
  /**
   * A REST request (catch-up pages, sends over REST, reads) that has not been answered in full
   * after this long (ms) is aborted and retried like a network failure. A file download (media,
   * avatars) is bounded on silence instead: aborted when nothing came for this long, however long
   * it takes while bytes come. Uploads keep their own bound, 120 s a request (up/uploads.ts).
   * Default 30,000.
   */
  requestTimeoutMs?: number;
  /** While the socket is down, catch up through REST this often (ms). Default 10,000. */
  pollIntervalMs?: number;
  /** Lease fallback of the outbox leadership (when `locks` is null): lifetime and renewal (ms). */
  leaseTtlMs?: number;
  leaseRenewMs?: number;
  /** Minimum gap between two `typing` emits to one peer while typing goes on (ms). Default 3,000 (60 % of the server's 5,000 TTL). */
  typingRenewMs?: number;
  /**
   * Describes an image on the device before it is sent (the PWA: createImageBitmap + a ThumbHash
   * in a canvas); null/absent for anything else, or where it cannot (Node): the server then makes
   * the preview itself. `width`/`height` only lay the pending bubble out; the server measures its own.
   */
  describeImage?: (blob: Blob) => Promise<{ width?: number; height?: number; preview?: string } | null>;
  /**
   * Bytes per upload request, fixed (progress moves in these steps; a cut keeps what the server
   * stored). Default: adaptive (up/chunk-size.ts), from 256 KiB, each request aiming at about 1 s
   * on the link it measured, between 64 KiB and 8 MiB.
   */
  uploadChunkBytes?: number;
  /** Default budget of the download cache (bytes) until `media.setBudget` says otherwise. Default 256 MiB. */
  mediaCacheBytes?: number;
  /** Random source for backoff jitter (seeded in tests). */
  random?: () => number;
  /** How long signOut() waits for the server to confirm the logout before giving up on it (ms). Default 2,000. */
  logoutTimeoutMs?: number;
}

export interface ConversationView {
  conversation: LocalConversation;
  /** direct: the other user's profile, once known; group: null. */
  peer: User | null;
  /** What the list shows: the group's title, or the peer's display name ('' while unknown). */
  title: string;
  /** direct: 2; group: its members as this device knows them (pending changes included). */
  memberCount: number;
  /** Whether the composer may send here (LocalConversation.writable). */
  writable: boolean;
}

/** Read helpers for liveQuery: each is a pure Dexie read, safe to re-run on every change. */
export interface EngineQueries {
  /** Every conversation, 1:1 and groups, most recently active first. */
  conversations(): Promise<ConversationView[]>;
  /**
   * One conversation; a group's local id (createGroup) also finds it after the server's id is
   * known, under that id (`conversation.id`: the UI may switch to it).
   */
  conversation(conversationId: string): Promise<ConversationView | undefined>;
  /** Whether the signed-in user may send into the conversation now (false: left, removed, unknown). */
  isWritable(conversationId: string): Promise<boolean>;
  /** The newest `limit` messages of a conversation, oldest → newest, pending ones last (a group's local id works too); messages deleted for me left out. */
  messages(conversationId: string, limit?: number): Promise<LocalMessage[]>;
  /** One message by row key, or undefined (hidden ones too: the UI decides). */
  message(key: string): Promise<LocalMessage | undefined>;
  /**
   * The messages around the one with server id `messageId` (a reply's quote was clicked):
   * `before` older and `after` newer ones, oldest → newest, loading history from the server if
   * this device does not hold it yet. Empty when it cannot be found (deleted for me, not visible).
   */
  messagesAround(conversationId: string, messageId: string, before?: number, after?: number): Promise<LocalMessage[]>;
  user(userId: string): Promise<User | undefined>;
  me(): Promise<User | undefined>;
  outbox(): Promise<LocalMessage[]>;
  /**
   * Ids of the users the signed-in user has blocked, as this device last heard (refreshed on
   * every connect, changed at once by blockUser / unblockUser here): readable offline.
   */
  blocked(): Promise<string[]>;
  /** Unread messages in the chats that are not muted: the tab title's and the app badge's number. */
  unreadTotal(): Promise<number>;
}

export interface SyncEngine {
  readonly queries: EngineQueries;
  readonly media: EngineMedia;
  readonly push: EnginePush;
  readonly drafts: EngineDrafts;
  getState(): EngineState;
  on<K extends keyof EngineEvents>(event: K, listener: (payload: EngineEvents[K]) => void): () => void;

  signUp(username: string, password: string, displayName?: string): Promise<User>;
  signIn(username: string, password: string): Promise<User>;
  /** Resumes with a stored token (reload, restart); null when signed out. */
  resume(): Promise<User | null>;
  /**
   * Signs out on this device (every tab follows), then tells the server (best-effort, at most
   * `logoutTimeoutMs`). Unsent messages stay queued for this account's next sign-in on the
   * device, even if another account signs in meanwhile. clearData: also delete this account's
   * local messages and outbox (unsent messages are discarded).
   */
  signOut(options?: { clearData?: boolean }): Promise<void>;
  /** Stops network activity and closes the database (tests, reload simulation). */
  close(): Promise<void>;

  /**
   * Resolves once the message and its outbox entry are committed locally. `replyTo`: as in
   * sendToConversation. `files` (1..10): attachments; their bytes are written into the device's
   * database in the same transaction as the message, uploaded (resumably) before it is sent, and
   * the body is then a caption, possibly ''. Rejects at once with VALIDATION for an empty file,
   * more than 10, or no body and no file. A refusal of a file by the server (PAYLOAD_TOO_LARGE,
   * UNSUPPORTED_MEDIA_TYPE) fails the message with that code: `retry(key)` or `discard(key)`.
   */
  send(to: string, body: string, options?: { replyTo?: string; files?: OutgoingFile[] }): Promise<LocalMessage>;
  /**
   * A message into a conversation by id (a group, its local id too, or a 1:1 conversation); queued
   * like `send`. FORBIDDEN at once where this device knows the user may not write (`isWritable`).
   * `replyTo`: the original's row key (LocalMessage.key), so a message still pending can be
   * answered: the reply is sent after it and names it by server id; its quote shows at once
   * (VALIDATION: not a message of this conversation). `files`: as in `send`.
   */
  sendToConversation(conversationId: string, body: string, options?: { replyTo?: string; files?: OutgoingFile[] }): Promise<LocalMessage>;
  /** Removes a failed message of this device, its outbox entry and its files (the user gave up on it). No-op for any other row. */
  discard(key: string): Promise<void>;

  // Message actions (contract v2), offline-first like sends: each commits locally (the row shows
  // it at once) and an outbox entry with its own clientId, queued behind the messages typed before
  // it in the same conversation, sends it. `key` is the message's row key (LocalMessage.key), so a
  // message still pending can be acted on: the action is sent after it (docs/sync-protocol.md,
  // section 5, "Message actions": the offline semantics). Rejects at once (PigeonError) where this
  // device already knows the server would refuse: VALIDATION for a bad emoji or body, FORBIDDEN for someone else's message,
  // CONFLICT for a deleted one or an edit after the window (by this device's clock; the server's
  // clock decides in the end).

  /** Sets this user's reaction (one per user; another replaces it), or removes it with ''. */
  react(key: string, emoji: string): Promise<void>;
  /** Replaces the body of one's own message (within 15 minutes of its createdAt). */
  editMessage(key: string, body: string): Promise<void>;
  /** 'everyone': a tombstone for all (own messages, within 48 hours); 'me': hidden on this user's devices only. */
  deleteMessage(key: string, scope: 'everyone' | 'me'): Promise<void>;
  /** Clears `actionError` on a message (the user saw the notice). */
  dismissActionError(key: string): Promise<void>;

  // Groups, offline-first like sends: each call commits locally and resolves at once; the outbox
  // sends it in order with the messages (over REST, idempotent by its own clientId). A change the
  // server refuses for good (FORBIDDEN, VALIDATION, NOT_FOUND) shows as a `failed` system message
  // with its reason, and the group shows as before it (`retry(key)` queues it again).

  /**
   * Creates a group of the signed-in user and `memberIds` (who may include them). Resolves with
   * the conversation, shown at once under a local id (`local: true`) until the server's id is
   * known; messages sent into it meanwhile are sent after the creation, in order. VALIDATION for
   * a bad title or fewer than 2 / more than 256 members in all.
   */
  createGroup(title: string, memberIds: string[]): Promise<LocalConversation>;
  /** Each resolves with the pending system message recording the change. Admins only (the server decides). */
  renameGroup(conversationId: string, title: string): Promise<LocalMessage>;
  addMembers(conversationId: string, userIds: string[]): Promise<LocalMessage>;
  /** An admin removes anyone; removing yourself is leaving. */
  removeMember(conversationId: string, userId: string): Promise<LocalMessage>;
  /** An admin makes a member an admin too (shown at once; refused by the server for a non-admin: the row fails). */
  makeAdmin(conversationId: string, userId: string): Promise<LocalMessage>;
  /** Leaves the group: from now on the conversation is read-only here. */
  leaveGroup(conversationId: string): Promise<LocalMessage>;
  /** Re-queues a failed message. */
  retry(key: string): Promise<void>;
  markRead(conversationId: string): Promise<void>;
  /** Loads older history from the server; resolves with the number of messages added. */
  loadOlder(conversationId: string, limit?: number): Promise<number>;
  searchUsers(query: string): Promise<User[]>;
  /**
   * Stores the profiles of people the user met outside any conversation (people search, picked for
   * a group), unless the device has theirs already: the app shows every name from the database,
   * offline and after a reload too. No-op for another account than the signed-in one.
   */
  rememberUsers(users: readonly User[]): Promise<void>;
  /**
   * Messages whose body has every word of `query` (a word matches the words starting with it; case
   * and accents ignored: search-text.ts), newest first: this device's (IndexedDB, offline too),
   * merged with the server's when online (history this device never loaded). Never throws for the
   * network: `server: false` then.
   */
  search(query: string, options?: { conversationId?: string; limit?: number }): Promise<SearchResults>;
  /**
   * Mutes or unmutes a chat on every device of the user: applied here at once, then through the
   * outbox (offline-first, idempotent, retried; the server's order decides between devices).
   */
  setMuted(conversationId: string, muted: boolean): Promise<void>;
  /**
   * Changes the signed-in user's profile (#19 item 12), offline-first like a mute: shown at once
   * (the user's row in IndexedDB), queued in the outbox (one queued change, later edits merged
   * into it field by field), sent as `PATCH /api/users/me` when online, the server's answer stored. A
   * photo (`avatar: file`) is kept in IndexedDB with the entry and uploaded first (resumable,
   * like a message's files); `avatar: null` removes it. VALIDATION at once for a bad name or
   * about line, or a photo that is not an image.
   */
  updateProfile(change: { displayName?: string; about?: string; avatar?: OutgoingFile | null }): Promise<void>;
  /**
   * A user's profile photo as a Blob (the media cache first, offline too; the network when
   * online and not cached), or null when they have none or it cannot be had now.
   */
  avatar(userId: string): Promise<Blob | null>;
  /** Ensures a local conversation row with this peer exists; returns its id. */
  openConversationWith(peer: User): Promise<string>;
  /**
   * The user typed (`true`, on every edit) or stopped (`false`: blur, empty draft, sent). The
   * engine renews, goes idle after a pause and sends the stop; see engine/typing.ts.
   */
  setTyping(to: string, typing: boolean): void;
  /**
   * The same in a conversation by id: a group (its other members see `typing` with the group's
   * conversationId), or a 1:1 conversation. Nothing is sent for a group not created on the server yet.
   */
  setTypingIn(conversationId: string, typing: boolean): void;
  /** Asks the server for a user's presence; the answer arrives as a `presence` event too. */
  refreshPresence(userId: string): Promise<void>;
  /** Forces a catch-up through /api/sync now. */
  syncNow(): Promise<void>;

  // Management calls. They need the server now and are never queued: while the network is off
  // they reject at once with a PigeonError UNAVAILABLE whose `details.network` is true (the same
  // error as a request that got no answer), signed out with UNAUTHENTICATED, and otherwise with
  // the server's code. A refused access token is refreshed and the call retried once, as for
  // every request.

  /** The user's signed-in devices (GET /api/sessions), most recently active first; `current` is this one. */
  listSessions(): Promise<SessionInfo[]>;
  /**
   * Signs another device out (DELETE /api/sessions/:id): its tokens are refused and its sockets
   * closed at once, and its engine emits `signed-out` with reason `revoked` (its outbox is kept).
   * Resolves as well when the session is already over (the server's NOT_FOUND). For this device,
   * use signOut().
   */
  revokeSession(sessionId: string): Promise<void>;
  /**
   * Blocks a user (POST /api/users/:id/block): sends either way are refused with FORBIDDEN from
   * now on (a queued one fails with that code, never retried), and neither sees the other's
   * presence or typing. Locally the user shows offline at once (a `presence` event) and joins
   * `queries.blocked()`. VALIDATION for yourself, NOT_FOUND for an unknown id.
   */
  blockUser(userId: string): Promise<void>;
  /** Unblocks (DELETE /api/users/:id/block); their presence is asked for again. Idempotent. */
  unblockUser(userId: string): Promise<void>;
  /** The users this one has blocked, from the server (without presence); also refreshes `queries.blocked()`. */
  blockedUsers(): Promise<User[]>;
  /**
   * "Message info" of a group message (by server id): each other member of its period, leavers
   * included, with when their devices got it and when they read it. Members only (FORBIDDEN).
   */
  messageReceipts(messageId: string): Promise<MessageReceipt[]>;

  /**
   * false: behave as offline (socket closed, no REST sends or catch-up) while local reads
   * and `send` keep working — airplane mode, `navigator.onLine`, tests. true: reconnect.
   */
  setNetworkEnabled(enabled: boolean): void;
  /** Drops the socket connection as a network failure would; Socket.io reconnects by itself (tests, chaos). */
  dropConnection(): void;
}
