import { stampAfter, type MuteRecord, type NotificationStore, type PushSubscriptionRecord } from '../notification-records.ts';
import type { SqliteDatabase } from './database.ts';

interface SubscriptionRow {
  endpoint: string;
  user_id: string;
  p256dh: string;
  auth: string;
  preview: 0 | 1;
  saved_at: string;
}

interface MuteRow {
  user_id: string;
  conversation_id: string;
  muted: 0 | 1;
  changed_at: string;
}

const toSubscription = (r: SubscriptionRow): PushSubscriptionRecord => ({
  userId: r.user_id,
  endpoint: r.endpoint,
  p256dh: r.p256dh,
  auth: r.auth,
  preview: r.preview === 1,
  savedAt: r.saved_at,
});

const toMute = (r: MuteRow): MuteRecord => ({
  userId: r.user_id,
  conversationId: r.conversation_id,
  muted: r.muted === 1,
  changedAt: r.changed_at,
});

type Subscriptions = Pick<NotificationStore, 'savePushSubscription' | 'deletePushSubscription' | 'dropPushEndpoint' | 'pushSubscriptionsOf'>;
type Mutes = Pick<NotificationStore, 'setMute' | 'mutesOf' | 'mutedAmong'>;

/** Push subscriptions and per-chat mutes on SQLite (schema version 9; invariants in notification-records.ts). */
export function sqliteNotifications(db: SqliteDatabase): Subscriptions & Mutes {
  const st = {
    holderOf: db.prepare<[string], string>(`SELECT user_id FROM push_subscriptions WHERE endpoint = ?`).pluck(),
    // An upsert keeps the row (and its rowid) when the endpoint exists: it moves to the new user.
    save: db.prepare<{ endpoint: string; userId: string; p256dh: string; auth: string; preview: number; savedAt: string }>(`
      INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth, preview, saved_at)
      VALUES (@endpoint, @userId, @p256dh, @auth, @preview, @savedAt)
      ON CONFLICT (endpoint) DO UPDATE SET
        user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth,
        preview = excluded.preview, saved_at = excluded.saved_at`),
    // Keeps the user's `keep` most recently saved (the one just saved always among them, whatever
    // its savedAt says); ties by the order rows were first saved.
    prune: db.prepare<{ userId: string; endpoint: string; keep: number }>(`
      DELETE FROM push_subscriptions WHERE user_id = @userId AND endpoint NOT IN (
        SELECT endpoint FROM push_subscriptions WHERE user_id = @userId
        ORDER BY endpoint = @endpoint DESC, saved_at DESC, rowid DESC LIMIT @keep)`),
    deleteOwn: db.prepare<[string, string]>(`DELETE FROM push_subscriptions WHERE user_id = ? AND endpoint = ?`),
    drop: db.prepare<[string]>(`DELETE FROM push_subscriptions WHERE endpoint = ?`),
    ofUsers: db.prepare<[string], SubscriptionRow>(
      `SELECT * FROM push_subscriptions WHERE user_id IN (SELECT value FROM json_each(?))`,
    ),

    setMute: db.prepare<{ userId: string; conversationId: string; muted: number; at: string }, MuteRow>(`
      INSERT INTO conversation_mutes (user_id, conversation_id, muted, changed_at) VALUES (@userId, @conversationId, @muted, @at)
      ON CONFLICT (user_id, conversation_id) DO UPDATE SET muted = excluded.muted, changed_at = excluded.changed_at
      RETURNING *`),
    stampOf: db
      .prepare<[string, string], string>(`SELECT changed_at FROM conversation_mutes WHERE user_id = ? AND conversation_id = ?`)
      .pluck(),
    mutesOf: db.prepare<[string], MuteRow>(`SELECT * FROM conversation_mutes WHERE user_id = ?`),
    mutedAmong: db.prepare<[string, string], string>(`
      SELECT user_id FROM conversation_mutes
      WHERE user_id IN (SELECT value FROM json_each(?)) AND conversation_id = ? AND muted = 1`).pluck(),
  };

  const save = db.transaction((record: PushSubscriptionRecord, maxPerUser: number): { created: boolean } => {
    const created = st.holderOf.get(record.endpoint) !== record.userId;
    st.save.run({ ...record, preview: record.preview ? 1 : 0 });
    st.prune.run({ userId: record.userId, endpoint: record.endpoint, keep: Math.max(1, maxPerUser) });
    return { created };
  });

  // Read and replaced in one transaction: the new stamp follows the one it replaces.
  const mute = db.transaction((userId: string, conversationId: string, muted: boolean, at: string): MuteRow => {
    const changedAt = stampAfter(at, st.stampOf.get(userId, conversationId));
    return st.setMute.get({ userId, conversationId, muted: muted ? 1 : 0, at: changedAt })!;
  });

  return {
    async savePushSubscription(record, maxPerUser) {
      return save.immediate(record, maxPerUser);
    },
    async deletePushSubscription(userId, endpoint) {
      return st.deleteOwn.run(userId, endpoint).changes > 0;
    },
    async dropPushEndpoint(endpoint) {
      st.drop.run(endpoint);
    },
    async pushSubscriptionsOf(userIds) {
      if (userIds.length === 0) return [];
      return st.ofUsers.all(JSON.stringify(userIds)).map(toSubscription);
    },

    async setMute(userId, conversationId, muted, at) {
      return toMute(mute.immediate(userId, conversationId, muted, at));
    },
    async mutesOf(userId) {
      return st.mutesOf.all(userId).map(toMute);
    },
    async mutedAmong(conversationId, userIds) {
      if (userIds.length === 0) return [];
      return st.mutedAmong.all(JSON.stringify(userIds), conversationId);
    },
  };
}
