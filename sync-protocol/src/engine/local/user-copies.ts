/**
 * Which copy of a user a device keeps when the server tells of them again. Copies reach a device
 * out of order: an event emitted before a later change's answer arrives after it (socket and
 * HTTP are two connections), a list fetched before a change is answered after its event. The
 * profile (name, about line, photo) is taken from the copy with the higher `profileVersion`
 * (model/user.ts); presence (`online`, `lastSeen`) from the incoming copy, as before (its own
 * ordering: up/profile.ts ProfileFreshness). A copy without a version (a server before it) is
 * taken whole.
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

/** Stores copies of users over what the device holds, each keeping the newer profile (inside or outside a transaction). */
export async function putUsers(db: LocalDb, users: readonly User[]): Promise<void> {
  if (users.length === 0) return;
  await db.transaction('rw', db.users, async () => {
    const stored = await db.users.bulkGet(users.map((u) => u.id));
    await db.users.bulkPut(users.map((u, i) => newerCopy(stored[i], u)));
  });
}
