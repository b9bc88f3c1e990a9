/**
 * The realtime side of the in-memory server: who is connected (per user and per session),
 * presence on the first and last connection of a user, typing states with their TTL, and
 * the pushes (`new-message`, `message-status`, typing, presence) to the right connections.
 */
import { directConversationId } from '../conversation-id.ts';
import type { ServerToClientEvents } from '../events/socket-types.ts';
import type { MemoryConnection } from './memory-types.ts';
import { createTypingTtl } from './typing-ttl.ts';

export interface MemoryRealtimeDeps {
  typingTtlMs: number;
  /** Users who share a conversation with `userId` (they see its presence). */
  peersOf(userId: string): string[];
  /** The current members of a group, or null when `id` is not a group (a typing target is a user then). */
  groupMembers(id: string): string[] | null;
  hasUser(userId: string): boolean;
  setLastSeen(userId: string, at: string): void;
}

export class MemoryRealtime {
  private readonly connections = new Set<MemoryConnection>();
  private readonly typingStates;
  /** While true, pushes are lost (like cross-node events while a Redis link is down). */
  private dropping = false;

  constructor(private readonly deps: MemoryRealtimeDeps) {
    // A typing state is kept per (typist, target); the target is a user or a group (to its other members).
    this.typingStates = createTypingTtl(deps.typingTtlMs, (from, to, event) => {
      const members = deps.groupMembers(to);
      if (members) this.emit(members.filter((id) => id !== from), event, { from, conversationId: to });
      else this.emit([to], event, { from, conversationId: directConversationId(from, to) });
    });
  }

  isOnline(userId: string): boolean {
    return [...this.connections].some((c) => c.userId === userId);
  }

  connected(connection: MemoryConnection): void {
    this.connections.add(connection);
    this.emit(this.deps.peersOf(connection.userId), 'user-online', { userId: connection.userId });
  }

  disconnected(connection: MemoryConnection): void {
    if (!this.connections.delete(connection)) return;
    const { userId } = connection;
    if (this.isOnline(userId)) return; // not the user's last connection
    const lastSeen = new Date().toISOString();
    this.deps.setLastSeen(userId, lastSeen);
    this.typingStates.stopAllFrom(userId);
    this.emit(this.deps.peersOf(userId), 'user-offline', { userId, lastSeen });
  }

  /** Cuts every connection as a network failure or a restart would. */
  dropAll(): void {
    for (const c of [...this.connections]) c.drop();
  }

  /** Closes a session's connections on purpose (logout, revocation). */
  kickSession(sessionId: string): void {
    for (const c of [...this.connections]) if (c.sessionId === sessionId) c.kick();
  }

  typing(from: string, to: string, typing: boolean): void {
    if (!typing) return this.typingStates.stop(from, to);
    if (to !== from && (this.deps.hasUser(to) || this.deps.groupMembers(to))) this.typingStates.start(from, to);
  }

  /** `message-status` per conversation to the senders and the reader's other connections. */
  pushStatus(readerId: string, changed: readonly { id: string; conversationId: string; senderId: string }[], status: 'delivered' | 'read', except?: MemoryConnection): void {
    const at = new Date().toISOString();
    for (const conversationId of new Set(changed.map((m) => m.conversationId))) {
      const group = changed.filter((m) => m.conversationId === conversationId);
      const senders = new Set(group.map((m) => m.senderId));
      this.emit([...senders, readerId], 'message-status', { messageIds: group.map((m) => m.id), conversationId, status, at }, except);
    }
  }

  /** Pushes are lost from now on (true) or delivered again (false). */
  dropPushes(dropping: boolean): void {
    this.dropping = dropping;
  }

  /** `sync-hint` to every connection (a server node's Redis link came back). */
  syncHint(): void {
    for (const c of this.connections) c.deliver('sync-hint', { reason: 'redis-recovered' });
  }

  emit<E extends keyof ServerToClientEvents>(userIds: readonly string[], event: E, payload: Parameters<ServerToClientEvents[E]>[0], except?: MemoryConnection): void {
    if (this.dropping) return;
    const to = new Set(userIds);
    for (const c of this.connections) if (c !== except && to.has(c.userId)) c.deliver(event, payload);
  }

  close(): void {
    this.typingStates.clear();
  }
}
