/**
 * Profiles on the in-memory server (rest/profile.ts, #19 item 12), as a device observes them on
 * the real one: `updateProfile` validates with the shared schema, changes the fields present,
 * takes only the caller's own unsent raster upload as a photo (NOT_FOUND for another's or an
 * unknown id, VALIDATION otherwise), answers `{ user }` and emits `user-updated` to the caller's
 * connections and their contacts; `avatar` answers the photo's bytes (no image library here:
 * the upload itself) or NOT_FOUND.
 */
import { profileUpdateSchema } from '../rest/profile.ts';
import type { User } from '../model/user.ts';
import { parseOrThrow } from '../validate.ts';
import { fail } from './fail.ts';
import type { MemoryAccounts } from './memory-accounts.ts';
import type { MemoryAttachments } from './memory-attachments.ts';
import type { MemoryRealtime } from './memory-realtime.ts';

export interface ProfileDeps {
  accounts: MemoryAccounts;
  attachments: MemoryAttachments;
  realtime: MemoryRealtime;
  /** Everyone who shares a conversation with the user now. */
  contactsOf(userId: string): string[];
  publicUser(userId: string): User;
}

export function updateProfile(deps: ProfileDeps, me: string, input: unknown): { user: User } {
  const change = parseOrThrow(profileUpdateSchema, input);
  const before = deps.accounts.profile(me);
  if (!before) throw fail('UNAUTHENTICATED', 'account not found');
  let avatar = before.avatar ?? null;
  if (change.avatarId === null) avatar = null;
  else if (change.avatarId !== undefined && change.avatarId !== avatar?.id) avatar = deps.attachments.takeAsPhoto(me, change.avatarId);
  if (avatar?.id !== before.avatar?.id && before.avatar) deps.attachments.releasePhoto(before.avatar.id);
  deps.accounts.update(me, {
    ...(change.displayName !== undefined ? { displayName: change.displayName } : {}),
    ...(change.about !== undefined ? { about: change.about } : {}),
    avatar,
  });
  const user = deps.publicUser(me);
  deps.realtime.emit([me, ...deps.contactsOf(me)], 'user-updated', { user });
  return { user };
}

export function avatarOf(deps: ProfileDeps, input: unknown): Blob {
  const { userId } = (input ?? {}) as { userId?: unknown };
  const avatar = deps.accounts.profile(String(userId))?.avatar;
  if (!avatar) throw fail('NOT_FOUND', 'no photo for this user');
  return deps.attachments.photoBytes(avatar.id);
}
