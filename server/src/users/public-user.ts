import type { User } from '@pigeon/sync-protocol';
import type { UserRecord } from '../store/store.ts';

/** The only way a user record leaves the server: picks public fields, so a password hash can't slip out. */
export function toPublicUser(record: UserRecord, online: boolean): User {
  return {
    id: record.id,
    username: record.username,
    displayName: record.displayName,
    online,
    lastSeen: record.lastSeen,
    about: record.about,
    avatar: record.avatar,
    profileVersion: record.profileVersion,
  };
}

/** For people the caller may not watch (directory search, blocked users): no online flag, no last seen. */
export function withoutPresence(record: UserRecord): User {
  return { ...toPublicUser(record, false), lastSeen: null };
}
