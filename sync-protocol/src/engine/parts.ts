/**
 * Builds the engine's parts and plugs each one's needs into the session (the Host).
 * Nothing is decided here: every rule lives in the part it configures.
 *
 *   send ─▶ up/outbox.ts (1 tx) ─▶ up/drainer.ts ─▶ transport ─▶ down/store-server-changes.ts (1 tx)
 *   transport events ─▶ down/live-events.ts ─▶ up/receipts.ts     reconnect / gap ─▶ down/catch-up.ts
 */
import { PigeonError } from '../errors.ts';
import type { Message, SendMessageInput } from '../model/message.ts';
import { CatchUp } from './down/catch-up.ts';
import { fetchUnknownGroups, storeGroupAnswer } from './down/group-changes.ts';
import { LiveEvents } from './down/live-events.ts';
import { applyReadPositions, refreshReadPositions } from './down/read-positions.ts';
import { applyServerCopies, storingTables, type ApplyResult } from './down/store-server-changes.ts';
import { withTokenRecovery } from './auth/token-recovery.ts';
import type { CatchUpProgress, EngineEvents, EngineQueries } from './api.ts';
import { loadOlder } from './down/history.ts';
import { LIMITS } from '../limits.ts';
import { isLocalGroupId, LocalDb, messageKey } from './local/local-db.ts';
import { createQueries } from './local/queries.ts';
import { storeBlocked } from './local/blocks.ts';
import { UserLookup } from './local/user-lookup.ts';
import { fetchMissingPeers, refreshPeers, storeListedPeers } from './local/users.ts';
import type { ResolvedOptions } from './options.ts';
import type { Transport } from './transport/transport.ts';
import { parseTarget, Typing } from './typing.ts';
import { Drainer } from './up/drainer.ts';
import { uploadFiles } from './up/uploads.ts';
import type { LinkMemory } from './up/chunk-size.ts';
import { Media } from './media/media.ts';
import { settleOwnFiles, settleTables } from './media/own-files.ts';
import { Receipts } from './up/receipts.ts';
import { applyServerMutes, settleMute } from './up/mutes.ts';
import { refreshProfiles, sendProfile } from './up/profile-sync.ts';
import { ProfileFreshness, settleProfile } from './up/profile.ts';
import { Emitter } from './util/emitter.ts';
import { SingleFlight } from './util/single-flight.ts';
import { OwedFetch } from './down/owed-fetch.ts';

/** What the parts need from the session that runs them. */
export interface Host {
  /** The signed-in user, or null. */
  me(): string | null;
  /** The access token in use now (read for every request and handshake). */
  token(): string | null;
  /** `used`, `user`'s token, was refused: refresh (once for all callers); true when a newer token of `user` is in use now. */
  recover(used: string, user: string): Promise<boolean>;
  /** Started (signed in, not stopped) and the network allowed. */
  active(): boolean;
  /** Active and leading the outbox. */
  canDrain(): boolean;
  started(): boolean;
  socketDownForMs(): number;
  /** After every committed batch of server copies. */
  afterApply(result: ApplyResult): void;
  requestCatchUp(): void;
  catchUpDone(at: string): void;
  /** The running catch-up's progress (null: none running). */
  catchUpProgress(p: CatchUpProgress | null): void;
  /** The outbox holds `n` entries, `actions` of them message actions. */
  outboxSize(n: number, actions: number): void;
  /** The user owes `n` delivery receipts (up/receipts.ts). */
  receiptsOwed(n: number): void;
  reportError(where: string, error: unknown): void;
}

export interface Parts {
  db: LocalDb;
  /** The configured transport behind auth/token-recovery.ts: a refused token is refreshed and the call retried once. */
  transport: Transport;
  events: Emitter<EngineEvents>;
  queries: EngineQueries;
  drainer: Drainer;
  catchUp: CatchUp;
  receipts: Receipts;
  typing: Typing;
  live: LiveEvents;
  /** Looks up peers the device has no profile of. */
  peers: SingleFlight;
  /** Fetches the groups the device holds without knowing their title and members (down/group-changes.ts). */
  groups: SingleFlight;
  /** Profiles of group members and senders the device has none of (local/user-lookup.ts). */
  users: UserLookup;
  /** Refreshes every peer's presence from the conversation list (after a `sync-hint`). */
  peerPresence: SingleFlight;
  /** Applies the groups' read positions of the conversation list (down/read-positions.ts; at connect, after a `sync-hint`; retried when lost: down/owed-fetch.ts). */
  readPositions: OwedFetch;
  /** Refreshes the stored block list from the server (local/blocks.ts; at connect; retried when lost: down/owed-fetch.ts). */
  blockList: OwedFetch;
  /** Counts the outbox into the state (and kicks the drainer when it is not empty). */
  outboxCount: SingleFlight;
  /** Attachments' bytes: own files, the download cache, downloads (engine/media/). */
  media: Media;
  /**
   * The server's mutes (GET /api/conversations/mutes, up/mutes.ts) are fetched after the next
   * completed catch-up while `owed`: set at each connect and sync-hint (background.ts). While
   * connected, `conversation-muted` events carry every change; what was missed meanwhile comes here.
   */
  mutes: OwedFetch;
  /**
   * The user's own profile and everyone's the device holds (up/profile-sync.ts), refreshed after the
   * next completed catch-up while `owed`, like mutes (down/owed-fetch.ts).
   */
  profilesOwed: OwedFetch;
  /** Which profiles were heard of lately (an event, an answer): a refresh's older answer leaves them (up/profile.ts). */
  freshness: ProfileFreshness;
}

export function createParts(o: ResolvedOptions, host: Host): Parts {
  /** Where the last upload left the chunk size (up/chunk-size.ts): the next file starts there. */
  const link: { memory: LinkMemory | null } = { memory: null };
  const db = new LocalDb(o.dbName, { ...(o.indexedDB ? { indexedDB: o.indexedDB } : {}), ...(o.IDBKeyRange ? { IDBKeyRange: o.IDBKeyRange } : {}) });
  const events = new Emitter<EngineEvents>();
  const onError = (where: string, e: unknown) => host.reportError(where, e);
  const random = o.random ? { random: o.random } : {};
  const transport = withTokenRecovery(o.transport({ getToken: host.token, ackTimeoutMs: o.ackTimeoutMs }), host);
  const media = new Media({
    db,
    download: (id, options) => transport.downloadAttachment(id, options),
    me: host.me,
    online: host.active,
    defaultBudget: o.mediaCacheBytes,
  });

  const freshness = new ProfileFreshness();
  /** Completed catch-ups (the drainer's entries waiting for a target row count on them). */
  let catchUpsDone = 0;
  const drainer = new Drainer({
    db,
    me: host.me,
    canDrain: host.canDrain,
    socketConnected: () => transport.connected,
    socketDownForMs: host.socketDownForMs,
    send: (input, via) => transport.sendMessage(input, via),
    commit: async (_entry, message) => {
      const userId = host.me();
      // An ack that outlived its session (another account signed in meanwhile) is not this user's
      // to store; its owner's catch-up brings it when they sign in again.
      if (!userId || message.senderId !== userId) return;
      if (!message.attachments?.length) return host.afterApply(await applyServerCopies(db, [message], userId, { detectGaps: true }));
      // With files: the server copy, and the files' bytes moving into the cache under the server's ids, in one transaction.
      const result = await db.transaction('rw', [...storingTables(db), ...settleTables(db)], async () => {
        const applied = await applyServerCopies(db, [message], userId, { detectGaps: true });
        if (!applied.stale) await settleOwnFiles(db, [message]);
        return applied;
      });
      host.afterApply(result);
      await media.cache.trim();
    },
    // Batched sends (up/batch.ts) when the transport has them; their messages carry no files.
    ...(transport.sendMessages
      ? {
          sendMany: (inputs: SendMessageInput[], via: 'socket' | 'rest') => transport.sendMessages!(inputs, via),
          commitMany: async (messages: Message[]) => {
            const userId = host.me();
            // As for one ack: copies that outlived their session are their owner's catch-up's.
            const own = messages.filter((m) => m.senderId === userId);
            if (userId && own.length > 0) host.afterApply(await applyServerCopies(db, own, userId, { detectGaps: true }));
          },
        }
      : {}),
    upload: (entry, proceed) => uploadFiles({ db, upload: (request) => transport.uploadAttachment(request), chunks: o.uploadChunks, link, proceed }, entry),
    changeGroup: async (entry) => {
      // No await before the request: it goes out with the token of the entry's owner (drainer.ts).
      const { op } = entry;
      const answer =
        op.kind === 'create'
          ? await transport.createGroup({ clientId: entry.clientId, title: op.title, memberIds: op.memberIds })
          : await transport.changeGroup(entry.conversationId, op, entry.clientId);
      const userId = host.me();
      if (userId && entry.key === messageKey(userId, entry.clientId)) host.afterApply(await storeGroupAnswer(db, entry, answer, userId));
    },
    act: async (entry, via) => {
      // No await before the request, as for sends. A target never acked (its send failed for good) fails the action.
      const { targetId, ...action } = entry.action;
      if (targetId === null) throw new PigeonError('CONFLICT', 'the message was not sent');
      const message = await transport.messageAction({ ...action, clientId: entry.clientId, messageId: targetId }, via);
      const userId = host.me();
      if (userId && entry.key === messageKey(userId, entry.clientId)) host.afterApply(await applyServerCopies(db, [message], userId, { actionDone: entry.clientId }));
    },
    mute: async (entry) => {
      // No await before the request, as for sends.
      const { mute } = await transport.setMute(entry.conversationId, entry.mute.muted);
      const userId = host.me();
      if (userId && entry.key === messageKey(userId, entry.clientId)) await settleMute(db, entry, mute);
    },
    profile: (entry, proceed) => sendProfile({ db, transport, me: host.me, freshness, chunks: o.uploadChunks, link }, entry, proceed),
    profileRefused: async (entry, error) => {
      const me = host.me();
      if (me) await settleProfile(db, me, entry, null);
      onError('profile', error);
      void profilesDue.fetchNow(); // what the server holds instead
    },
    actionRefused: () => host.requestCatchUp(),
    catchUpsDone: () => catchUpsDone,
    requestCatchUp: () => host.requestCatchUp(),
    onError,
    backoff: o.backoff,
    route: o.route,
    ...random,
  });
  /** The server's conversation list; its `muted` flags are applied on the way (up/mutes.ts). */
  const conversationList = async (me: string) => {
    const { conversations } = await transport.conversations();
    await applyServerMutes(db, me, conversations.map((c) => ({ conversationId: c.id, muted: c.muted === true })));
    return conversations;
  };
  // Fetched after a completed catch-up: no event replays a mute or a profile changed elsewhere while away (down/owed-fetch.ts).
  const owedFetch = (where: string, fetch: (me: string) => Promise<void>) =>
    new OwedFetch({
      fetch: async () => {
        const me = host.me();
        if (me) await fetch(me);
      },
      retry: () => catchUp.schedule(),
      retryWhile: () => transport.connected,
      backoff: o.backoff,
      ...random,
      onError: (e) => onError(where, e),
    });
  const mutesDue = owedFetch('mutes', async (me) => applyServerMutes(db, me, (await transport.mutes()).mutes));
  const profilesDue = owedFetch('profiles', (me) => refreshProfiles({ db, transport, freshness }, me));
  const catchUp = new CatchUp({
    db,
    // The engine stores incoming rows delivered at once: its own receipts need not come back (rest/sync.ts).
    fetchPage: (since, limit) => transport.sync(since, limit, { omitOwnDelivered: true }),
    fetchUsers: (ids) => transport.users(ids),
    me: host.me,
    active: host.active,
    pages: o.syncPages,
    // From the empty cursor, the groups' positions first (down/read-positions.ts, finding G1), and
    // the 1:1 peers the list names (their presence too): the pages then need no lookup for them.
    beforeFirstPage: async (me) => {
      const list = await conversationList(me);
      await storeListedPeers(db, me, list);
      await applyReadPositions(db, me, list);
    },
    afterPage: host.afterApply,
    progress: (p) => host.catchUpProgress(p),
    // The delivered receipts its pages owed were held while it ran (up/receipts.ts holdDelivered).
    ended: () => receipts.releaseDelivered(),
    done: (at) => {
      catchUpsDone += 1;
      // Entries waiting for a target row look again now, not at the end of their backoff.
      drainer.wake();
      // Mutes and profiles (names, photos) changed elsewhere while away have no event to replay: ask.
      void mutesDue.due();
      void profilesDue.due();
      // Fetched at connect; still owed only when that fetch was lost (down/owed-fetch.ts).
      void readPositions.due();
      void blockList.due();
      host.catchUpDone(at);
    },
    retryWhile: () => transport.connected,
    backoff: o.backoff,
    ...random,
    onError,
  });
  const receipts = new Receipts({
    db,
    me: host.me,
    canEmit: () => host.started() && transport.connected,
    emitReceived: (ids) => transport.messageReceived(ids),
    emitRead: (conversationId, upToSeq) => transport.messageRead(conversationId, upToSeq),
    owed: (n) => host.receiptsOwed(n),
    onError,
    backoff: o.backoff,
    deliveredHoldMaxMs: o.deliveredHoldMaxMs,
    ...(o.random ? { random: o.random } : {}),
  });
  const typing = new Typing({
    emit: (target, on) => {
      const parsed = parseTarget(target);
      if ('to' in parsed) transport.typing(parsed.to, on);
      else transport.typingIn(parsed.conversationId, on);
    },
    canEmit: () => host.started() && transport.connected,
    surface: (event) => events.emit('typing', event),
    timings: o.typing,
  });
  const live = new LiveEvents({
    db,
    me: host.me,
    afterApply: host.afterApply,
    requestCatchUp: host.requestCatchUp,
    presence: (event) => events.emit('presence', event),
    heard: (userId) => freshness.touched(userId),
    onError,
  });
  const peers = new SingleFlight(() => fetchMissingPeers(db, () => transport.conversations()));
  const groups = new SingleFlight(async () => {
    const me = host.me();
    if (me) await fetchUnknownGroups(db, me, (id) => transport.conversation(id));
  });
  const users = new UserLookup({ db, me: host.me, fetch: (ids) => transport.users(ids) });
  const peerPresence = new SingleFlight(() => refreshPeers(db, () => transport.conversations()));
  // Groups read and blocks made on another device while this one was away: no event replays them either.
  const readPositions = owedFetch('read-positions', (me) => refreshReadPositions(db, me, () => conversationList(me)));
  const blockList = owedFetch('blocked', async (me) => storeBlocked(db, me, (await transport.blocked()).users.map((u) => u.id)));
  const outboxCount = new SingleFlight(async () => {
    // Both from indexes: the outbox may hold thousands (a long offline spell), and only action
    // entries have a targetKey (the sparse index), so neither count reads the entries. Two reads
    // side by side, not one transaction (which answered later than the tests expect the state):
    // a write between them is followed by its own recount, as every outbox change is.
    const [n, actions] = await Promise.all([db.outbox.count(), db.outbox.where('targetKey').above('').count()]);
    host.outboxSize(n, actions);
    // Also how the leader hears about messages queued by other tabs.
    if (n > 0) drainer.kick();
  });
  // messagesAround pages older history in until it finds a reply's original (local/around.ts).
  const loadOlderPage = async (conversationId: string): Promise<number> => {
    const me = host.me();
    if (!me || isLocalGroupId(conversationId)) return 0;
    const fetchPage = (id: string, before: string | null, n: number) => transport.history(id, before, n);
    return loadOlder({ db, me, fetchPage, afterPage: host.afterApply }, conversationId, LIMITS.historyPageDefault);
  };
  const queries = createQueries(db, { loadOlder: loadOlderPage });
  return { db, transport, events, queries, drainer, catchUp, receipts, typing, live, peers, groups, users, peerPresence, readPositions, blockList, outboxCount, media, mutes: mutesDue, profilesOwed: profilesDue, freshness };
}
