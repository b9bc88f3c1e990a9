/**
 * The SyncEngine of api.ts: what the app calls. Session and network reactions live
 * in session-lifecycle.ts, the wiring of the parts in parts.ts, and every decision
 * in the part that makes it (see docs/sync-protocol.md for the whole picture).
 */
import { LIMITS } from '../limits.ts';
import type { User } from '../model/user.ts';
import type { SessionInfo } from '../rest/auth.ts';
import type { EngineDrafts, EngineEvents, EngineMedia, EnginePush, EngineQueries, SearchResults, EngineState, LocalConversation, LocalMessage, MessageReceipt, OutgoingFile, SyncEngine, SyncEngineOptions } from './api.ts';
import { PigeonError } from '../errors.ts';
import { discardFailed } from './up/discard.ts';
import { prepareFiles, type PreparedFile } from './up/files.ts';
import { loadOlder } from './down/history.ts';
import type { ApplyResult } from './down/store-server-changes.ts';
import { isLocalGroupId } from './local/local-db.ts';
import { resolveConversationId } from './local/rekey.ts';
import { ensureConversation, storeMetUsers } from './local/users.ts';
import { Management } from './management.ts';
import { resolveOptions, type ResolvedOptions } from './options.ts';
import type { Parts } from './parts.ts';
import { SessionLifecycle } from './session-lifecycle.ts';
import { conversationTarget } from './typing.ts';
import { commitCreateGroup, commitGroupChange, commitToConversation } from './up/group-outbox.ts';
import { commitSend, requeue } from './up/outbox.ts';
import { commitAction, dismissActionError } from './up/actions.ts';
import type { GroupChange } from './transport/transport.ts';
import { markReadLocally } from './up/receipts.ts';
import { commitMute } from './up/mutes.ts';
import { commitProfile, prepareProfileChange } from './up/profile.ts';
import { readAvatar } from './up/profile-sync.ts';
import { storeServerUser } from './up/profile.ts';
import { enginePush } from './push.ts';
import { search } from './search/search.ts';

export class Engine implements SyncEngine {
  readonly queries: EngineQueries;
  readonly media: EngineMedia;
  readonly push: EnginePush;
  readonly drafts: EngineDrafts;
  private readonly options: ResolvedOptions;
  private readonly life: SessionLifecycle;
  private readonly parts: Parts;
  private readonly management: Management;

  constructor(options: SyncEngineOptions) {
    const resolved = resolveOptions(options);
    this.options = resolved;
    this.life = new SessionLifecycle(resolved);
    this.parts = this.life.parts;
    this.queries = this.parts.queries;
    this.media = this.parts.media;
    this.management = new Management(this.parts, this.life, { backoff: resolved.backoff, ...(resolved.random ? { random: resolved.random } : {}) });
    this.push = enginePush(this.parts.transport, () => this.life.requireOnline());
    this.drafts = this.life.drafts;
  }

  // --- observable state -------------------------------------------------------------

  getState(): EngineState {
    return this.life.getState();
  }

  on<K extends keyof EngineEvents>(event: K, listener: (payload: EngineEvents[K]) => void): () => void {
    return this.parts.events.on(event, listener);
  }

  // --- session ----------------------------------------------------------------------

  async signUp(username: string, password: string, displayName?: string): Promise<User> {
    const res = await this.parts.transport.register({ username, password, ...(displayName !== undefined ? { displayName } : {}) });
    await this.life.adopt(res);
    return res.user;
  }

  async signIn(username: string, password: string): Promise<User> {
    const res = await this.parts.transport.login({ username, password });
    await this.life.adopt(res);
    return res.user;
  }

  async resume(): Promise<User | null> {
    const userId = await this.life.resume();
    if (!userId) return null;
    // Offline-first: answer from the database now; refresh the profile in the background (an
    // expired token is refreshed on the way; a session the server ended signs out).
    const heard = this.parts.freshness.since();
    void this.parts.transport
      .me()
      .then(({ user }) => storeServerUser(this.parts.db, userId, user, heard))
      .catch((e) => this.life.reportError('resume.me', e));
    return (await this.parts.db.users.get(userId)) ?? null;
  }

  signOut(options: { clearData?: boolean } = {}): Promise<void> {
    return this.life.signOut(options);
  }

  close(): Promise<void> {
    return this.life.close();
  }

  setNetworkEnabled(enabled: boolean): void {
    this.life.setNetworkEnabled(enabled);
  }

  dropConnection(): void {
    this.parts.transport.dropConnection();
  }

  // --- actions ----------------------------------------------------------------------

  /** `replyTo`: the row key of the message this one answers (an extension of api.ts, as in sendToConversation). */
  async send(to: string, body: string, options: { replyTo?: string; files?: OutgoingFile[] } = {}): Promise<LocalMessage> {
    const { me, files } = await this.withFiles(options.files);
    const message = await commitSend(this.parts.db, me, to, body, undefined, options.replyTo, files);
    this.parts.typing.input(to, false);
    this.parts.drainer.kick();
    return message;
  }

  async sendToConversation(conversationId: string, body: string, options: { replyTo?: string; files?: OutgoingFile[] } = {}): Promise<LocalMessage> {
    const { me, files } = await this.withFiles(options.files);
    const message = await this.queued(commitToConversation(this.parts.db, me, conversationId, body, undefined, options.replyTo, files));
    this.parts.typing.input(conversationTarget(message.conversationId), false);
    return message;
  }

  /**
   * The signed-in user and the files hashed and described (up/files.ts), before the send's
   * transaction opens. The user is read again after: a sign-out or account switch during the
   * hashing must not queue the message in the next account's database.
   */
  private async withFiles(files: OutgoingFile[] | undefined): Promise<{ me: string; files: PreparedFile[] }> {
    const me = this.life.requireUser();
    if (!files || files.length === 0) return { me, files: [] };
    const prepared = await prepareFiles(files, this.options.describeImage);
    if (this.life.requireUser() !== me) throw new PigeonError('UNAUTHENTICATED', 'signed out while the files were read');
    return { me, files: prepared };
  }

  async discard(key: string): Promise<void> {
    await discardFailed(this.parts.db, key, this.life.requireUser());
  }

  // Message actions: up/actions.ts (queued in the target's lane, shown at once).

  async react(key: string, emoji: string): Promise<void> {
    await this.queued(commitAction(this.parts.db, this.life.requireUser(), key, { kind: 'react', emoji }));
  }

  async editMessage(key: string, body: string): Promise<void> {
    await this.queued(commitAction(this.parts.db, this.life.requireUser(), key, { kind: 'edit', body }));
  }

  async deleteMessage(key: string, scope: 'everyone' | 'me'): Promise<void> {
    await this.queued(commitAction(this.parts.db, this.life.requireUser(), key, { kind: scope === 'everyone' ? 'delete' : 'hide' }));
  }

  async dismissActionError(key: string): Promise<void> {
    this.life.requireUser();
    await dismissActionError(this.parts.db, key);
  }

  async createGroup(title: string, memberIds: string[]): Promise<LocalConversation> {
    return this.queued(commitCreateGroup(this.parts.db, this.life.requireUser(), title, memberIds));
  }

  renameGroup(conversationId: string, title: string): Promise<LocalMessage> {
    return this.changeGroup(conversationId, { kind: 'rename', title });
  }

  addMembers(conversationId: string, userIds: string[]): Promise<LocalMessage> {
    return this.changeGroup(conversationId, { kind: 'add', userIds });
  }

  removeMember(conversationId: string, userId: string): Promise<LocalMessage> {
    return this.changeGroup(conversationId, { kind: 'remove', userId });
  }

  makeAdmin(conversationId: string, userId: string): Promise<LocalMessage> {
    return this.changeGroup(conversationId, { kind: 'promote', userId });
  }

  leaveGroup(conversationId: string): Promise<LocalMessage> {
    return this.changeGroup(conversationId, { kind: 'remove', userId: this.life.requireUser() });
  }

  private changeGroup(conversationId: string, change: GroupChange): Promise<LocalMessage> {
    return this.queued(commitGroupChange(this.parts.db, this.life.requireUser(), conversationId, change));
  }

  /** After something was queued: the drainer starts (it also hears of it through the outbox watch). */
  private async queued<T>(committed: Promise<T>): Promise<T> {
    const value = await committed;
    this.parts.drainer.kick();
    return value;
  }

  async retry(key: string): Promise<void> {
    await requeue(this.parts.db, key, this.life.requireUser());
    this.parts.drainer.kick();
  }

  async markRead(conversationId: string): Promise<void> {
    const me = this.life.requireUser();
    const upTo = await markReadLocally(this.parts.db, await resolveConversationId(this.parts.db, conversationId), me);
    if (upTo !== null) this.parts.receipts.flushReadsSoon();
  }

  async loadOlder(conversationId: string, limit: number = LIMITS.historyPageDefault): Promise<number> {
    const { db, transport } = this.parts;
    const deps = {
      db,
      me: this.life.requireUser(),
      fetchPage: (id: string, before: string | null, n: number) => transport.history(id, before, n),
      afterPage: (result: ApplyResult) => this.life.afterApply(result),
    };
    const id = await resolveConversationId(db, conversationId);
    // A group not created on the server yet has no history there.
    if (isLocalGroupId(id)) return 0;
    return loadOlder(deps, id, Math.min(Math.max(1, limit), LIMITS.historyPageMax));
  }

  async searchUsers(query: string): Promise<User[]> {
    return (await this.parts.transport.searchUsers(query)).users;
  }

  async rememberUsers(users: readonly User[]): Promise<void> {
    await storeMetUsers(this.parts.db, this.life.requireUser(), users);
  }

  async search(query: string, options: { conversationId?: string; limit?: number } = {}): Promise<SearchResults> {
    const me = this.life.requireUser();
    const scope = options.conversationId !== undefined ? { conversationId: await resolveConversationId(this.parts.db, options.conversationId) } : {};
    const deps = { db: this.parts.db, me, transport: this.parts.transport, online: this.life.online };
    return search(deps, query, { ...options, ...scope });
  }

  async setMuted(conversationId: string, muted: boolean): Promise<void> {
    await this.queued(commitMute(this.parts.db, this.life.requireUser(), conversationId, muted));
  }

  async updateProfile(change: { displayName?: string; about?: string; avatar?: OutgoingFile | null }): Promise<void> {
    const me = this.life.requireUser();
    const prepared = await prepareProfileChange(change, this.options.describeImage);
    // Read again after the hashing, as for a message's files (withFiles).
    if (this.life.requireUser() !== me) throw new PigeonError('UNAUTHENTICATED', 'signed out while the photo was read');
    await this.queued(commitProfile(this.parts.db, me, prepared));
  }

  avatar(userId: string): Promise<Blob | null> {
    const { db, media, transport } = this.parts;
    return readAvatar({ db, cache: media.cache, fetch: (id) => transport.avatar(id), online: () => this.life.online }, userId);
  }

  async openConversationWith(peer: User): Promise<string> {
    return ensureConversation(this.parts.db, this.life.requireUser(), peer);
  }

  setTyping(to: string, typing: boolean): void {
    // No check here: typing.ts sends nothing unless started and connected.
    this.parts.typing.input(to, typing);
  }

  setTypingIn(conversationId: string, typing: boolean): void {
    // A group not created on the server yet has nobody to tell; once created, its local id is an alias.
    if (!isLocalGroupId(conversationId)) return this.parts.typing.input(conversationTarget(conversationId), typing);
    void resolveConversationId(this.parts.db, conversationId).then(
      (id) => !isLocalGroupId(id) && this.parts.typing.input(conversationTarget(id), typing),
      (e) => this.life.reportError('typing', e),
    );
  }

  async refreshPresence(userId: string): Promise<void> {
    const asked = this.parts.live.presenceAsked(userId);
    const { online, lastSeen } = await this.parts.transport.userStatus(userId);
    await this.parts.live.presenceAnswer(userId, asked, online, lastSeen);
  }

  async syncNow(): Promise<void> {
    this.life.requireUser();
    await this.parts.catchUp.request(); // a no-op while the network is disabled
  }

  // --- management (online only: management.ts) ---------------------------------------

  listSessions(): Promise<SessionInfo[]> {
    return this.management.listSessions();
  }

  revokeSession(sessionId: string): Promise<void> {
    return this.management.revokeSession(sessionId);
  }

  blockUser(userId: string): Promise<void> {
    return this.management.blockUser(userId);
  }

  unblockUser(userId: string): Promise<void> {
    return this.management.unblockUser(userId);
  }

  blockedUsers(): Promise<User[]> {
    return this.management.blockedUsers();
  }

  messageReceipts(messageId: string): Promise<MessageReceipt[]> {
    return this.management.messageReceipts(messageId);
  }
}
