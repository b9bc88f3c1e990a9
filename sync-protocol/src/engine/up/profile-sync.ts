/**
 * The network side of profiles (up/profile.ts keeps the local rules): sending a queued change,
 * refreshing what the device knows of everyone's profile, and reading a photo.
 *
 *   profile entry ─▶ photo in `files`? ─ yes ─▶ uploadFiles (resumable) ─▶ its server id ─┐
 *                                      └ no ───────────────────────────────────────────────┴─▶ PATCH /api/users/me ─▶ settleProfile
 *
 * Refresh (owed at each connect and sync-hint, background.ts; fetched after the catch-up, retried
 * when lost: down/owed-fetch.ts): `user-updated` carries every change while connected; what changed
 * while this device was away comes from `me()` and one `GET /api/users?ids=` per 256 users it holds. A `user-updated` racing a refresh answer may be
 * overwritten by that (older) answer until the next connect; names and photos are not worth a
 * version number each.
 */
import { LIMITS } from '../../limits.ts';
import type { User } from '../../model/user.ts';
import type { LocalDb } from '../local/local-db.ts';
import type { HeardSince } from '../local/user-copies.ts';
import type { MediaCache } from '../media/media-cache.ts';
import type { Transport } from '../transport/transport.ts';
import { isNetworkError } from '../transport/transport.ts';
import type { ChunkPlan, LinkMemory } from './chunk-size.ts';
import { avatarCacheKey, localPhoto, settleProfile, storeServerUser, type ProfileEntry, type ProfileFreshness } from './profile.ts';
import { UploadStopped, uploadFiles } from './uploads.ts';

export interface ProfileSyncDeps {
  db: LocalDb;
  transport: Pick<Transport, 'updateProfile' | 'uploadAttachment' | 'me' | 'users'>;
  me: () => string | null;
  freshness: ProfileFreshness;
  chunks: ChunkPlan;
  link?: { memory: LinkMemory | null };
}

/** Uploads the entry's new photo (if any), sends the change and stores the answer. */
export async function sendProfile(deps: ProfileSyncDeps, entry: ProfileEntry, proceed: () => boolean): Promise<void> {
  const { db, transport } = deps;
  const { photo, displayName, about } = entry.profile;
  let avatarId: string | null | undefined = photo === null ? null : undefined;
  if (typeof photo === 'string') {
    const upload = (request: Parameters<Transport['uploadAttachment']>[0]) => transport.uploadAttachment(request);
    [avatarId] = await uploadFiles({ db, upload, chunks: deps.chunks, ...(deps.link ? { link: deps.link } : {}), proceed }, { ...entry, uploads: [photo] });
  }
  // Checked with no await before the request, as the drainer does for sends: the owner's token.
  if (!proceed()) throw new UploadStopped();
  const me = deps.me()!;
  const since = deps.freshness.mark();
  const { user } = await transport.updateProfile({
    ...(displayName !== undefined ? { displayName } : {}),
    ...(about !== undefined ? { about } : {}),
    ...(avatarId !== undefined ? { avatarId } : {}),
  });
  if (deps.me() !== me) return;
  // A `user-updated` that came while the request was out is at least as new as this answer (the
  // server sends one for every change, ours too, in its order): the row keeps what it showed.
  const overtaken = deps.freshness.newerThan(me, since);
  deps.freshness.touched(me);
  await settleProfile(db, me, entry, user, { store: !overtaken });
}

/** The user's own profile (`me()`) and every profile the device holds, from the server. */
export async function refreshProfiles(deps: Pick<ProfileSyncDeps, 'db' | 'transport' | 'freshness'>, me: string): Promise<void> {
  const { db, transport, freshness } = deps;
  // Each answer against who was heard of after it was asked for (a user-online event in between:
  // its presence, not its profile, is older; local/user-copies.ts).
  const store = async (users: readonly User[], heard: HeardSince) => {
    for (const user of users) await storeServerUser(db, me, user, heard);
  };
  // A failure leaves the refresh owed (down/owed-fetch.ts retries one lost to the network).
  const heard = freshness.since();
  await store([(await transport.me()).user], heard);
  const ids = ((await db.users.toCollection().primaryKeys()) as string[]).filter((id) => id !== me);
  for (let i = 0; i < ids.length; i += LIMITS.groupMembersMax) {
    const heard = freshness.since();
    await store((await transport.users(ids.slice(i, i + LIMITS.groupMembersMax))).users, heard);
  }
}

export interface AvatarDeps {
  db: LocalDb;
  cache: MediaCache;
  fetch: (userId: string) => Promise<Blob | null>;
  online: () => boolean;
}

/**
 * A user's photo: this device's own not yet uploaded, the media cache, or the network (then
 * cached); null when they have none, or it cannot be had now (offline, not cached).
 */
export async function readAvatar(deps: AvatarDeps, userId: string): Promise<Blob | null> {
  const avatar = (await deps.db.users.get(userId))?.avatar;
  if (!avatar) return null;
  const local = await localPhoto(deps.db, avatar.id);
  if (local) return local;
  const key = avatarCacheKey(avatar.id);
  const cached = await deps.cache.get(key);
  if (cached) return cached;
  if (!deps.online()) return null;
  try {
    const blob = await deps.fetch(userId);
    if (blob) await deps.cache.put(key, blob);
    return blob;
  } catch (e) {
    if (isNetworkError(e)) return null;
    throw e;
  }
}
