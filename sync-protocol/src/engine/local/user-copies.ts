/**
 * Which copy of a user a device keeps when the server tells of them again. Copies reach a device
 * out of order: an event emitted before a later change's answer arrives after it (socket and
 * HTTP are two connections), a list fetched before a change is answered after its event. The
 * profile (name, about line, photo) is taken from the copy with the higher `profileVersion`
 * (model/user.ts); presence (`online`, `lastSeen`) from the incoming copy, unless the device heard
 * of the user after the copy was asked for (a refresh crossing a `user-online` event: presence has
 * no version; up/profile.ts ProfileFreshness says who). A copy without a version (a server before
 * it) is taken whole, or not at all when heard of since.
 */
import type { User } from '../../model/user.ts';
import type { LocalDb } from './local-db.ts';

/** `incoming`, with the profile of `stored` when that one is newer. */
export function newerCopy(stored: User | undefined, incoming: User): User {
  if (stored?.id !== incoming.id || stored.profileVersion === undefined || incoming.profileVersion === undefined) return incoming;
  if (incoming.profileVersion >= stored.profileVersion) return incoming;
  const { about, avatar, profileVersion, displayName } = stored;
  const kept: User = { ...incoming, displayName, profileVersion };
  if (about === undefined) delete kept.about;
  else kept.about = about;
  if (avatar === undefined) delete kept.avatar;
  else kept.avatar = avatar;
  return kept;
}

/**
 * What to store over `stored` (null: keep it as it is): `incoming` with the newer profile and, when
 * the user was `heard` of after `incoming` was asked for, the stored presence. Heard of since and
 * without versions to compare, the stored row is the newer by the only order known.
 */
export function copyToStore(stored: User | undefined, incoming: User, heard: boolean): User | null {
  if (stored?.id !== incoming.id || !heard) return newerCopy(stored, incoming);
  if (stored.profileVersion === undefined || incoming.profileVersion === undefined) return null;
  return { ...newerCopy(stored, incoming), online: stored.online, lastSeen: stored.lastSeen };
}

/**
 * Whether the device heard news of a user (an event, an answer) after the copies being stored were
 * asked for: their presence is older than the row's then (up/profile.ts ProfileFreshness).
 */
export type HeardSince = (userId: string) => boolean;

/** Stores copies of users over what the device holds (`copyToStore`; inside or outside a transaction). */
export async function putUsers(db: LocalDb, users: readonly User[], heardSince?: HeardSince): Promise<void> {
  if (users.length === 0) return;
  await db.transaction('rw', db.users, async () => {
    const stored = await db.users.bulkGet(users.map((u) => u.id));
    const rows = users.map((u, i) => copyToStore(stored[i], u, heardSince?.(u.id) ?? false));
    await db.users.bulkPut(rows.filter((r): r is User => r !== null));
  });
}
