import { PigeonError } from '@pigeon/sync-protocol';
import type { ProfileChange, Store, UserRecord } from '../store.ts';
import type { SqliteDatabase } from './database.ts';
import { toUser, type UserRow } from './rows.ts';
import type { sqliteSearch } from './search.ts';

/**
 * Store.updateProfile on SQLite (schema versions 11 and 13): the user's row and its version, its display-name words
 * (user_search) and the check of the photo's attachment in one BEGIN IMMEDIATE commit, so a
 * send cannot carry the photo, nor the sweep remove it, between the check and the write (both
 * ask users_avatar in their own commits; sqlite/attachments.ts).
 */
export function sqliteProfiles(db: SqliteDatabase, search: ReturnType<typeof sqliteSearch>): Pick<Store, 'updateProfile'> {
  const st = {
    user: db.prepare<[string], UserRow & { uid: number }>(`SELECT * FROM users WHERE id = ?`),
    attachment: db.prepare<[string], { uploader_id: string; holder_message_id: string | null; deleted_at: string | null; preview: string | null }>(
      `SELECT uploader_id, holder_message_id, deleted_at, preview FROM attachments WHERE id = ?`,
    ),
    update: db.prepare<{ id: string; name: string; nameLc: string; about: string; avatarId: string | null; avatarPreview: string | null }>(`
      UPDATE users SET display_name = @name, display_name_lc = @nameLc, about = @about,
                       avatar_attachment_id = @avatarId, avatar_preview = @avatarPreview,
                       profile_version = profile_version + 1
      WHERE id = @id`),
  };

  const updateTx = db.transaction((userId: string, change: ProfileChange): UserRecord | null => {
    const row = st.user.get(userId);
    if (!row) return null;
    let avatar = toUser(row).avatar;
    if (change.avatarId === null) avatar = null;
    else if (change.avatarId !== undefined && change.avatarId !== avatar?.id) {
      const a = st.attachment.get(change.avatarId);
      // One answer for unknown and someone else's: an id does not tell whether it exists.
      if (!a || a.uploader_id !== userId) throw new PigeonError('NOT_FOUND', 'avatarId: no such upload of yours');
      if (a.holder_message_id !== null || a.deleted_at !== null) throw new PigeonError('VALIDATION', 'avatarId: an upload sent in a message cannot be a photo');
      avatar = { id: change.avatarId, preview: a.preview };
    }
    const name = change.displayName ?? row.display_name;
    const about = change.about ?? row.about;
    // A change that changes nothing (a PATCH sent again) keeps the version: the same user.
    if (name === row.display_name && about === row.about && (avatar?.id ?? null) === row.avatar_attachment_id) return toUser(row);
    st.update.run({
      id: userId,
      name,
      nameLc: name.toLowerCase(),
      about,
      avatarId: avatar?.id ?? null,
      avatarPreview: avatar?.preview ?? null,
    });
    if (name !== row.display_name) search.reindexUser(row.uid, name);
    return toUser(st.user.get(userId)!);
  });

  return {
    async updateProfile(userId, change) {
      return updateTx.immediate(userId, change);
    },
  };
}
