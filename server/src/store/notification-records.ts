/**
 * What the stores keep for notifications and search (contract v2, "Notifications and search";
 * docs/api.md): push subscriptions, per-chat mutes, and the message search. Part of the one Store
 * interface (store.ts), so both stores pass the same contract suite (testing/contract/).
 *
 * Invariants:
 *  - An endpoint belongs to at most one user: saving it for another user moves it (a browser
 *    profile now signed into another account must not get the first one's pushes).
 *  - A user holds at most `maxPerUser` subscriptions: saving one more drops their least recently
 *    saved one (a device that never unsubscribed, e.g. a wiped browser).
 *  - A mute is one record per (user, conversation), replaced by each change (last write wins by
 *    the store's order); an unmute stays as a record (muted: false) so other devices learn it.
 *  - Each change of a mute record is stamped later than the record it replaces (`stampAfter`):
 *    devices order what they hear of a chat's mute (an answer, another device's event) by
 *    `changedAt` alone, so two changes stamped in one millisecond, or stamped in one order and
 *    written in the other (two nodes), must not leave a device keeping the one the store lost.
 */
import type { ConversationMute, Message } from '@pigeon/sync-protocol';

export interface PushSubscriptionRecord {
  userId: string;
  endpoint: string;
  /** base64url, as the browser gave them. */
  p256dh: string;
  auth: string;
  /** Pushes to it carry the message text (model/notifications.ts `preview`). */
  preview: boolean;
  /** When it was last saved (a re-subscribe or a preview change saves it again). */
  savedAt: string;
}

export interface MuteRecord extends ConversationMute {
  userId: string;
}

/**
 * The stamp of a change replacing a record stamped `previous`: `at`, or 1 ms after `previous` when
 * that is not earlier (same millisecond, or a node whose clock or request ran behind).
 */
export function stampAfter(at: string, previous: string | undefined): string {
  if (previous === undefined || previous < at) return at;
  return new Date(Date.parse(previous) + 1).toISOString();
}

export interface SearchOptions {
  /** Only this conversation (still only within the user's own conversations and periods). */
  conversationId?: string;
  limit: number;
}

export interface NotificationStore {
  /**
   * Inserts or replaces the subscription by endpoint (whoever held it before); then, past
   * `maxPerUser` for this user, deletes their least recently saved ones. Returns whether it was new
   * (for this user).
   */
  savePushSubscription(record: PushSubscriptionRecord, maxPerUser: number): Promise<{ created: boolean }>;
  /** Deletes the user's subscription with this endpoint; false when they hold none such. */
  deletePushSubscription(userId: string, endpoint: string): Promise<boolean>;
  /** Deletes an endpoint whoever holds it (the push service answered 404/410). Idempotent. */
  dropPushEndpoint(endpoint: string): Promise<void>;
  /** The subscriptions of these users (any order). */
  pushSubscriptionsOf(userIds: readonly string[]): Promise<PushSubscriptionRecord[]>;

  /**
   * Records the user's mute of a conversation as of `at` (server time), or as of just after the
   * record it replaces when that one is stamped `at` or later (`stampAfter`), and returns it.
   */
  setMute(userId: string, conversationId: string, muted: boolean, at: string): Promise<MuteRecord>;
  /** Every mute record of the user, muted or not (any order). */
  mutesOf(userId: string): Promise<MuteRecord[]>;
  /** Those of `userIds` who have this conversation muted. */
  mutedAmong(conversationId: string, userIds: readonly string[]): Promise<string[]>;

  /**
   * Messages `userId` can see — 1:1 conversations they are in; groups within their membership
   * periods (as getHistory with a viewer) — whose body has, for every term, a word starting with it
   * (terms from `queryTerms`, words from `searchTokens`, @pigeon/sync-protocol search-text.ts);
   * never deleted for everyone, never hidden by `userId`, never system messages. Newest first
   * (createdAt descending, then id descending), at most `limit`. [] for no terms.
   */
  searchMessages(userId: string, terms: readonly string[], options: SearchOptions): Promise<Message[]>;
}
