/**
 * The message store of the in-memory server, with the rules of the real store
 * (server/src/store/store.ts) that a client can observe:
 *  - (senderId, clientId) is unique: a repeated send returns the stored message;
 *  - seq is 1, 2, 3 … per conversation, assigned at store time;
 *  - every insert and every status change takes a new, larger change-log position,
 *    and `changesSince` returns messages in position order;
 *  - a status only moves forward: sent → delivered → read.
 * Group messages (memory-groups.ts) live here too, in their group's seq; who may see which is the
 * caller's rule (`changesSince` takes it).
 * Message actions (memory-actions.ts) change a stored message in place (`update`: a new position,
 * so the feed returns it again) or hide it for one user (`hide`: a new position in that user's
 * feed only, whose copies then carry `hiddenAt`).
 */
import { conversationPeer, directConversationId } from '../conversation-id.ts';
import { withMessageDefaults, type Message } from '../model/message.ts';
import type { Attachment, ReplyRef } from '../model/message-parts.ts';
import type { SystemEvent } from '../model/system-event.ts';
import { statusRank, type MessageStatus } from '../status.ts';

/** A validated send: recipient known to exist and differ from the sender. In a group, both ids are the group's. */
export interface StoreRequest {
  senderId: string;
  recipientId: string;
  clientId: string;
  body: string;
  /** A group's id; a 1:1 conversation's is derived from its two members. */
  conversationId?: string;
  system?: SystemEvent;
  /** The quote of the message this one answers (checked by the caller). */
  replyTo?: ReplyRef;
  /** The uploads it carries, in order (checked by the caller: memory-attachments.ts `claim`). */
  attachments?: Attachment[];
}

export interface ConversationRow {
  id: string;
  peerId: string;
  lastMessage: Message | null;
  unreadCount: number;
  updatedAt: string;
}

export class MemoryMessages {
  private readonly byKey = new Map<string, Message>();
  private readonly byId = new Map<string, Message>();
  private readonly byConversation = new Map<string, Message[]>();
  /** Change-log position of each message id (its latest insert or status change). */
  private readonly positions = new Map<string, number>();
  private lastPosition = 0;
  private nextId = 0;
  /** Delete for me: per user, the messages they hid, when, and the position of the hide in their feed. */
  private readonly hides = new Map<string, Map<string, { at: string; position: number }>>();

  constructor(private readonly now: () => Date) {}

  /** Stores a send (or finds the stored one); `created` says which. */
  store(req: StoreRequest): { message: Message; created: boolean } {
    const key = `${req.senderId}\n${req.clientId}`;
    const existing = this.byKey.get(key);
    if (existing) return { message: { ...existing }, created: false };
    const conversationId = req.conversationId ?? directConversationId(req.senderId, req.recipientId);
    const list = this.byConversation.get(conversationId) ?? [];
    // Every v2 field present, as the real server sends them (model/message.ts withMessageDefaults).
    const message: Message = withMessageDefaults({
      id: `m${++this.nextId}`,
      clientId: req.clientId,
      conversationId,
      senderId: req.senderId,
      recipientId: req.recipientId,
      body: req.body,
      seq: list.length + 1,
      createdAt: this.now().toISOString(),
      status: 'sent',
      ...(req.system ? { type: 'system' as const, system: req.system } : {}),
      ...(req.replyTo ? { replyTo: req.replyTo } : {}),
      ...(req.attachments ? { attachments: req.attachments } : {}),
    });
    list.push(message);
    this.byConversation.set(conversationId, list);
    this.byKey.set(key, message);
    this.byId.set(message.id, message);
    this.positions.set(message.id, ++this.lastPosition);
    return { message: { ...message }, created: true };
  }

  /** The message `senderId` stored with `clientId`, if any (a copy). */
  find(senderId: string, clientId: string): Message | undefined {
    const m = this.byKey.get(`${senderId}\n${clientId}`);
    return m && { ...m };
  }

  /** The stored messages with these ids (the live rows: raise() changes them). */
  byIds(ids: readonly string[]): Message[] {
    return ids.flatMap((id) => this.byId.get(id) ?? []);
  }

  /** The stored message with this id (the live row), if any. */
  get(id: string): Message | undefined {
    return this.byId.get(id);
  }

  /** Replaces a stored message's content by `next` (same id), with a new change-log position. */
  update(next: Message): void {
    const live = this.byId.get(next.id);
    if (!live) return;
    Object.assign(live, next);
    this.positions.set(live.id, ++this.lastPosition);
  }

  /** `userId` deleted the message for themself at `at` (once: a repeat keeps the first). */
  hide(userId: string, messageId: string, at: string): void {
    const mine = this.hides.get(userId) ?? new Map<string, { at: string; position: number }>();
    if (!mine.has(messageId)) mine.set(messageId, { at, position: ++this.lastPosition });
    this.hides.set(userId, mine);
  }

  /** A copy of `m` as `userId` gets it: with `hiddenAt` when they hid it. */
  copyFor(userId: string, m: Message): Message {
    const hidden = this.hides.get(userId)?.get(m.id);
    return { ...m, ...(hidden ? { hiddenAt: hidden.at } : {}) };
  }

  /** The live rows of a conversation, oldest → newest. */
  rows(conversationId: string): readonly Message[] {
    return this.byConversation.get(conversationId) ?? [];
  }

  /** `sent` messages to `recipientId` become delivered; returns those that changed. */
  markDelivered(recipientId: string, ids: readonly string[]): Message[] {
    const rows = ids.map((id) => this.byId.get(id)).filter((m): m is Message => m?.recipientId === recipientId);
    return this.raise(rows, 'delivered');
  }

  /** Messages to `readerId` up to `upToSeq` become read; returns those that changed. */
  markRead(readerId: string, conversationId: string, upToSeq: number): Message[] {
    const rows = (this.byConversation.get(conversationId) ?? []).filter((m) => m.recipientId === readerId && m.seq <= upToSeq);
    return this.raise(rows, 'read');
  }

  /** Up to `limit` messages with seq < beforeSeq (the newest when null), oldest → newest. */
  history(conversationId: string, beforeSeq: number | null, limit: number): Message[] {
    const list = this.byConversation.get(conversationId) ?? [];
    const older = beforeSeq === null ? list : list.filter((m) => m.seq < beforeSeq);
    return older.slice(-limit).map((m) => ({ ...m }));
  }

  /** Messages the user may see (`sees`; default: 1:1 ones they sent or got) created or changed after `position`, in change order. */
  changesSince(userId: string, position: number, limit: number, sees = (m: Message) => m.senderId === userId || m.recipientId === userId): { messages: Message[]; position: number; hasMore: boolean } {
    // A message's position in this user's feed: its latest change, or their hide of it if later.
    const hides = this.hides.get(userId);
    const at = (m: Message) => Math.max(this.positions.get(m.id)!, hides?.get(m.id)?.position ?? 0);
    const changed = [...this.byId.values()].filter((m) => at(m) > position && sees(m)).sort((a, b) => at(a) - at(b));
    const page = changed.slice(0, limit);
    const last = page.at(-1);
    return { messages: page.map((m) => this.copyFor(userId, m)), position: last ? at(last) : position, hasMore: changed.length > limit };
  }

  /** The user's conversations, newest first. */
  conversations(userId: string): ConversationRow[] {
    const rows: ConversationRow[] = [];
    for (const [id, list] of this.byConversation) {
      const peerId = conversationPeer(id, userId);
      if (peerId === null || list.length === 0) continue;
      const last = list.at(-1)!;
      const unreadCount = list.filter((m) => m.recipientId === userId && m.status !== 'read').length;
      rows.push({ id, peerId, lastMessage: { ...last }, unreadCount, updatedAt: last.createdAt });
    }
    return rows.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
  }

  /** Everyone who shares a conversation with the user. */
  peersOf(userId: string): string[] {
    return this.conversations(userId).map((c) => c.peerId);
  }

  /** The whole conversation, oldest → newest (copies). */
  conversation(conversationId: string): Message[] {
    return (this.byConversation.get(conversationId) ?? []).map((m) => ({ ...m }));
  }

  /** Raises the status of these live rows (each change takes a new position); returns copies of those that changed. */
  raise(rows: readonly Message[], status: MessageStatus): Message[] {
    const changed: Message[] = [];
    for (const m of rows) {
      if (statusRank(m.status) >= statusRank(status)) continue;
      m.status = status;
      this.positions.set(m.id, ++this.lastPosition);
      changed.push({ ...m });
    }
    return changed;
  }
}
