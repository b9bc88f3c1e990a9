/**
 * Notifications and search on the in-memory server (model/notifications.ts, model/search.ts),
 * with the real server's rules that a device can observe:
 *  - search: the caller's 1:1 conversations and groups within their membership periods, every
 *    query word starting some word of the body (search-text.ts, the rule every store uses), never
 *    deleted, hidden-by-caller or system messages; newest first (createdAt, then id), ≤ limit;
 *  - mute: one record per (user, conversation), members / participants only; each change is
 *    stamped with server time and sent as `conversation-muted` to the user's OTHER connections;
 *  - push subscriptions: kept (by endpoint, one user each, at most LIMITS.pushSubscriptionsPerUserMax
 *    per user: the least recently saved goes) — nothing is delivered (the real server's job).
 */
import { conversationMembers } from '../conversation-id.ts';
import { newestFirst } from '../engine/local/search-order.ts';
import { LIMITS } from '../limits.ts';
import type { Message } from '../model/message.ts';
import { pushSubscriptionInputSchema, pushUnsubscribeInputSchema, setMuteInputSchema, type ConversationMute, type PushSubscriptionInput } from '../model/notifications.ts';
import { searchQuerySchema } from '../model/search.ts';
import { matchesTerms, queryTerms, searchTokens } from '../search-text.ts';
import { parseOrThrow } from '../validate.ts';
import { fail } from './fail.ts';
import type { MemoryGroups } from './memory-groups.ts';
import type { MemoryMessages } from './memory-messages.ts';
import type { MemoryRealtime } from './memory-realtime.ts';
import type { MemoryConnection, ServerOp } from './memory-types.ts';

const NOTIFICATION_OPS = ['searchMessages', 'setMute', 'mutes', 'pushConfig', 'addPushSubscription', 'removePushSubscription'] as const;
export type NotificationOp = (typeof NOTIFICATION_OPS)[number];
export const isNotificationOp = (op: ServerOp): op is NotificationOp => (NOTIFICATION_OPS as readonly string[]).includes(op);

/** A fixed key of the right shape: the memory server sends no pushes, a device only needs something to subscribe with. */
export const MEMORY_VAPID_PUBLIC_KEY = 'BMemoryServerVapidPublicKeyForTestsOnlyxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';

export interface NotificationDeps {
  /** Ids of every conversation the user is or was in (1:1 with messages, groups they had a period in). */
  conversationsOf(userId: string): string[];
  /** The stored rows of a conversation, oldest → newest (live rows: not to be changed). */
  rows(conversationId: string): readonly Message[];
  /** Whether the user may see this message (1:1 participant; a group message within a period). */
  sees(userId: string, m: Message): boolean;
  /** The message as the user gets it (with `hiddenAt` when they hid it). */
  copyFor(userId: string, m: Message): Message;
  isGroup(conversationId: string): boolean;
  isMember(conversationId: string, userId: string): boolean;
  hasUser(userId: string): boolean;
  /** To the user's connections but `except`. */
  emit(userIds: readonly string[], mute: ConversationMute, except?: MemoryConnection): void;
  now(): Date;
}

export interface StoredSubscription extends PushSubscriptionInput {
  userId: string;
  savedAt: number;
}

export class MemoryNotifications {
  /** userId → conversationId → the mute record. */
  private readonly mutes = new Map<string, Map<string, ConversationMute>>();
  /** endpoint → subscription. */
  private readonly subscriptions = new Map<string, StoredSubscription>();
  private saves = 0;
  private lastChangeMs = 0;

  constructor(private readonly deps: NotificationDeps) {}

  handle(op: NotificationOp, me: string, input: unknown, from?: MemoryConnection): unknown {
    switch (op) {
      case 'searchMessages': {
        const query = parseOrThrow(searchQuerySchema, input);
        return { messages: this.search(me, queryTerms(query.q), query.conversationId, query.limit) };
      }
      case 'setMute': {
        const { id, ...body } = input as { id?: unknown };
        const { muted } = parseOrThrow(setMuteInputSchema, body);
        return { mute: this.setMute(me, String(id), muted, from) };
      }
      case 'mutes':
        return { mutes: [...(this.mutes.get(me)?.values() ?? [])].map((m) => ({ ...m })) };
      case 'pushConfig':
        return { vapidPublicKey: MEMORY_VAPID_PUBLIC_KEY };
      case 'addPushSubscription': {
        const sub = parseOrThrow(pushSubscriptionInputSchema, input);
        if (!sub.endpoint.startsWith('https://')) throw fail('VALIDATION', 'endpoint: https only');
        const created = this.subscriptions.get(sub.endpoint)?.userId !== me;
        this.subscriptions.set(sub.endpoint, { ...sub, userId: me, savedAt: ++this.saves });
        const mine = this.subscriptionsOf(me).sort((a, b) => a.savedAt - b.savedAt);
        for (const old of mine.slice(0, Math.max(0, mine.length - LIMITS.pushSubscriptionsPerUserMax))) this.subscriptions.delete(old.endpoint);
        return { created };
      }
      case 'removePushSubscription': {
        const { endpoint } = parseOrThrow(pushUnsubscribeInputSchema, input);
        if (this.subscriptions.get(endpoint)?.userId === me) this.subscriptions.delete(endpoint);
        return undefined;
      }
    }
  }

  /** The user's push subscriptions (tests: "the device subscribed"). */
  subscriptionsOf(userId: string): StoredSubscription[] {
    return [...this.subscriptions.values()].filter((s) => s.userId === userId).map((s) => ({ ...s }));
  }

  /** Whether the user muted the conversation (summaries carry `muted: true`). */
  isMuted(userId: string, conversationId: string): boolean {
    return this.mutes.get(userId)?.get(conversationId)?.muted === true;
  }

  private setMute(me: string, conversationId: string, muted: boolean, from?: MemoryConnection): ConversationMute {
    if (this.deps.isGroup(conversationId)) {
      if (!this.deps.isMember(conversationId, me)) throw fail('FORBIDDEN', 'not a member of this conversation');
    } else {
      const members = conversationMembers(conversationId);
      if (!members || !members.every((id) => this.deps.hasUser(id))) throw fail('NOT_FOUND', 'no such conversation');
      if (!members.includes(me)) throw fail('FORBIDDEN', 'not a member of this conversation');
    }
    // Strictly increasing, as a device orders records by it: two changes in one millisecond must not tie.
    this.lastChangeMs = Math.max(this.deps.now().getTime(), this.lastChangeMs + 1);
    const mute: ConversationMute = { conversationId, muted, changedAt: new Date(this.lastChangeMs).toISOString() };
    const mine = this.mutes.get(me) ?? new Map<string, ConversationMute>();
    mine.set(conversationId, mute);
    this.mutes.set(me, mine);
    this.deps.emit([me], mute, from);
    return { ...mute };
  }

  private search(me: string, terms: string[], conversationId: string | undefined, limit: number): Message[] {
    if (terms.length === 0) return [];
    const ids = this.deps.conversationsOf(me).filter((id) => conversationId === undefined || id === conversationId);
    const found = ids
      .flatMap((id) => this.deps.rows(id))
      .filter((m) => m.type !== 'system' && !m.deletedAt && this.deps.sees(me, m))
      .map((m) => this.deps.copyFor(me, m))
      .filter((m) => !m.hiddenAt && matchesTerms(searchTokens(m.body), terms));
    return found.sort(newestFirst).slice(0, limit);
  }
}

/** Wired to the server's parts (memory-server.ts). */
export function notificationsOn(parts: {
  messages: MemoryMessages;
  groups: MemoryGroups;
  realtime: MemoryRealtime;
  sees(userId: string, m: Message): boolean;
  hasUser(userId: string): boolean;
  now(): Date;
}): MemoryNotifications {
  const { messages, groups, realtime } = parts;
  return new MemoryNotifications({
    sees: parts.sees,
    hasUser: parts.hasUser,
    now: parts.now,
    rows: (id) => messages.rows(id),
    copyFor: (me, m) => messages.copyFor(me, m),
    isGroup: (id) => groups.isGroup(id),
    isMember: (id, me) => groups.isMember(id, me),
    conversationsOf: (me) => [...messages.conversations(me).map((c) => c.id), ...groups.groupsOf(me)],
    emit: (userIds, mute, except) => realtime.emit(userIds, 'conversation-muted', { mute }, except),
  });
}
