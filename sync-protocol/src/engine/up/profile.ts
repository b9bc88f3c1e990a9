/**
 * The user's own profile, offline-first (rest/profile.ts, #19 item 12), like a mute (up/mutes.ts):
 * `updateProfile` shows the change at once on the user's row in `users` and queues ONE outbox
 * entry per user (`profile`), in a lane of its own (`profile:<userId>`): a later change is merged
 * into the queued one field by field (a new entry, a new clientId, replacing it; one in flight is
 * answered and then overruled). The drainer uploads a new photo first (up/uploads.ts, resumable,
 * its bytes in `files` with the entry) and sends `PATCH /api/users/me` with the fields; the answer
 * is stored and the photo's bytes move into the media cache under its server id.
 *
 * What the server says of the user (the answer, `user-updated` from another device, `me()`, the
 * profile refresh after each connect) is stored, with the fields of a change still queued here
 * laid over it: the local change is newer than anything the server could say, and will be the
 * server's last word once sent. Sent values, not toggles: a PATCH sent twice is harmless.
 *
 * The entry's `targetKey` is `profile:<userId>`, so the state counts it with the actions, not as a
 * message waiting. A photo not yet uploaded shows as `avatar.id` `local:<upload clientId>` (its
 * bytes are read from `files`: engine.avatar).
 */
import { z } from 'zod';
import { PigeonError } from '../../errors.ts';
import { lazySchema } from '../../lazy-schema.ts';
import { isInlineImage } from '../../model/attachment.ts';
import { aboutSchema, displayNameSchema, type User } from '../../model/user.ts';
import { parseOrThrow } from '../../validate.ts';
import type { OutgoingFile } from '../api.ts';
import { messageKey, type LocalDb, type OutboxEntry } from '../local/local-db.ts';
import { signedInAs } from '../local/session.ts';
import { copyToStore, putUsers, type HeardSince } from '../local/user-copies.ts';
import { putRow } from '../media/media-cache.ts';
import { localAttachmentId, prepareFiles, uploadClientIdOf, type DescribeImage, type PreparedFile } from './files.ts';
import { newClientId, nextPendingTime } from './outbox.ts';
import { messageTables } from '../local/message-store.ts';

/** What a queued profile change holds: the fields to send; `photo` the upload clientId of a new photo (its `files` row), null to remove it. */
export interface QueuedProfile {
  displayName?: string;
  about?: string;
  photo?: string | null;
}

export type ProfileEntry = OutboxEntry & { profile: QueuedProfile };

export const isProfileEntry = (e: OutboxEntry): e is ProfileEntry => e.profile !== undefined;

/** The lane (and targetKey) of a user's profile changes. */
export const profileLane = (userId: string): string => `profile:${userId}`;

/** The media cache key of a photo (the server's WebP, or this device's own bytes once uploaded). */
export const avatarCacheKey = (avatarId: string): string => `avatar:${avatarId}`;

/** A change as `updateProfile` takes it, the photo prepared (hashed, described) already. */
export interface ProfileChange {
  displayName?: string;
  about?: string;
  photo?: PreparedFile | null;
}

async function queuedProfiles(db: LocalDb, me: string): Promise<ProfileEntry[]> {
  return (await db.outbox.where('conversationId').equals(profileLane(me)).toArray()).filter(isProfileEntry);
}

/** Pure: the queued fields after `change` (a new field wins, the others stay). */
export function mergeProfile(queued: QueuedProfile, change: { displayName?: string; about?: string; photo?: string | null }): QueuedProfile {
  return {
    ...queued,
    ...(change.displayName !== undefined ? { displayName: change.displayName } : {}),
    ...(change.about !== undefined ? { about: change.about } : {}),
    ...(change.photo !== undefined ? { photo: change.photo } : {}),
  };
}

/** Pure: the user as shown, the queued fields laid over what the server said. */
export function overlay(user: User, queued: QueuedProfile | undefined, preview: (photo: string) => string | null): User {
  if (!queued) return user;
  const shown = { ...user };
  if (queued.displayName !== undefined) shown.displayName = queued.displayName;
  if (queued.about !== undefined) shown.about = queued.about;
  if (queued.photo === null) shown.avatar = null;
  else if (queued.photo !== undefined) shown.avatar = { id: localAttachmentId(queued.photo), preview: preview(queued.photo) };
  return shown;
}

/** Applies the change to the user's row and queues it, merged into a queued one, in one transaction. */
export async function commitProfile(db: LocalDb, me: string, change: ProfileChange, clientId = newClientId()): Promise<void> {
  await db.transaction('rw', [db.meta, db.users, db.outbox, ...messageTables(db), db.files], async () => {
    const row = await db.users.get(me);
    if (!row) throw new PigeonError('NOT_FOUND', 'the signed-in user is not on this device');
    const before = await queuedProfiles(db, me);
    let queued: QueuedProfile = {};
    for (const e of before) queued = mergeProfile(queued, e.profile);
    const photo = change.photo === undefined ? undefined : change.photo === null ? null : change.photo.clientId;
    // A queued photo that this change replaces is no longer wanted: its bytes go.
    if (photo !== undefined && typeof queued.photo === 'string' && queued.photo !== photo) await db.files.delete(queued.photo);
    if (change.photo) await db.files.add({ ...change.photo, owner: me, messageKey: profileLane(me) });
    queued = mergeProfile(queued, { ...change, photo });
    await db.outbox.bulkDelete(before.map((e) => e.clientId));
    const entry: ProfileEntry = {
      clientId,
      key: messageKey(me, clientId),
      conversationId: profileLane(me),
      to: me,
      body: '',
      localCreatedAt: await nextPendingTime(db),
      attempts: 0,
      socketFailures: 0,
      profile: queued,
      targetKey: profileLane(me),
    };
    await db.outbox.add(entry);
    await db.users.put(overlay(row, { ...change, photo } as QueuedProfile, () => change.photo?.preview ?? null));
  });
}

/**
 * The server answered the entry (`user`), or refused it for good (null: the entry goes, and the
 * row shows the server's profile again at the next `me()`). The photo's bytes move into the media
 * cache under the server's id (the device never downloads its own photo), and its `files` row goes.
 * `store: false`: an event newer than the answer came meanwhile; the row keeps it.
 */
export async function settleProfile(db: LocalDb, me: string, entry: ProfileEntry, user: User | null, options: { store?: boolean } = {}): Promise<void> {
  await db.transaction('rw', [db.meta, db.users, db.outbox, db.files, db.media, db.mediaBytes], async () => {
    await db.outbox.delete(entry.clientId);
    const photo = entry.profile.photo;
    const stillQueued = (await queuedProfiles(db, me)).some((e) => e.profile.photo === photo);
    if (typeof photo === 'string' && !stillQueued) {
      const file = await db.files.get(photo);
      if (file && user?.avatar && file.attachmentId === user.avatar.id) await putRow(db, avatarCacheKey(user.avatar.id), file.blob);
      await db.files.delete(photo);
    }
    // Overtaken: the last profile the server sent (the newer event), without this entry laid over it now.
    const last = options.store === false ? await db.getMeta<User>(SERVER_PROFILE) : undefined;
    const base = last?.id === me ? last : user;
    if (base) await storeServerUser(db, me, base);
  });
}

/** meta: the user's own profile as the server last said it, before queued changes are laid over it. */
const SERVER_PROFILE = 'serverProfile';

/**
 * A user as the server says (an answer, `user-updated`, `me()`, a lookup), stored for `me`'s
 * device unless another account is signed in by now; the user's own row with the fields of a
 * queued change over it. `heardSince`: for a refresh, who was heard of after it was asked for
 * (local/user-copies.ts copyToStore). Inside or outside a transaction.
 */
export async function storeServerUser(db: LocalDb, me: string, user: User, heardSince?: HeardSince): Promise<void> {
  await db.transaction('rw', [db.meta, db.users, db.outbox, db.files], async () => {
    if (!(await signedInAs(db, me))) return;
    if (user.id !== me) return putUsers(db, [user], heardSince);
    // Over the last copy heard, not the row (which has queued changes laid over it): an answer
    // overtaken by an event, or the reverse, keeps the newer profile.
    const server = copyToStore(await db.getMeta<User>(SERVER_PROFILE), user, heardSince?.(me) ?? false);
    if (!server) return;
    await db.setMeta(SERVER_PROFILE, server);
    let queued: QueuedProfile | undefined;
    for (const e of await queuedProfiles(db, me)) queued = mergeProfile(queued ?? {}, e.profile);
    const previews = new Map<string, string | null>();
    if (typeof queued?.photo === 'string') previews.set(queued.photo, (await db.files.get(queued.photo))?.preview ?? null);
    await db.users.put(overlay(server, queued, (photo) => previews.get(photo) ?? null));
  });
}

/**
 * Which users' profiles this engine heard of from a source newer than a refresh under way: a
 * `user-updated` event, a PATCH answer or a pushed presence event (`user-online`/`user-offline`:
 * a user row holds presence too) after the refresh's request left. The refresh's answer (older)
 * then leaves their presence alone, and their profile too unless versions order it
 * (local/user-copies.ts copyToStore), so a refresh that crosses a change never undoes it.
 */
export class ProfileFreshness {
  private clock = 0;
  private readonly heard = new Map<string, number>();

  /** A refresh starts: its mark. */
  mark(): number {
    return ++this.clock;
  }

  /** Fresh news of `userId` was stored. */
  touched(userId: string): void {
    this.heard.set(userId, ++this.clock);
    // Bounded: only marks of refreshes under way matter; a refresh is short.
    if (this.heard.size > 10_000) this.heard.clear();
  }

  /** Whether news of `userId` newer than the refresh marked `since` was stored. */
  newerThan(userId: string, since: number): boolean {
    return (this.heard.get(userId) ?? 0) > since;
  }

  /** A refresh starts: which users are heard of after this instant (local/user-copies.ts copyToStore). */
  since(): HeardSince {
    const mark = this.mark();
    return (userId) => this.newerThan(userId, mark);
  }
}

/** The bytes of a photo this device has not uploaded yet (`local:<clientId>`), or undefined. */
export async function localPhoto(db: LocalDb, avatarId: string): Promise<Blob | undefined> {
  const clientId = uploadClientIdOf(avatarId);
  return clientId ? (await db.files.get(clientId))?.blob : undefined;
}

const profileFieldsSchema = lazySchema(() => z.object({ displayName: displayNameSchema.optional(), about: aboutSchema.optional() }));

/**
 * Checks a change as `updateProfile` is given it (VALIDATION at once, nothing queued): the name
 * and about line by the shared schemas (trimmed), the photo a raster image (INLINE_IMAGE_MIMES:
 * the server makes its thumbnail of those only), hashed and described like a message's file.
 */
export async function prepareProfileChange(
  change: { displayName?: string; about?: string; avatar?: OutgoingFile | null },
  describeImage?: DescribeImage,
): Promise<ProfileChange> {
  const fields = parseOrThrow(profileFieldsSchema, {
    ...(change.displayName !== undefined ? { displayName: change.displayName } : {}),
    ...(change.about !== undefined ? { about: change.about } : {}),
  });
  if (change.avatar === undefined) {
    if (fields.displayName === undefined && fields.about === undefined) throw new PigeonError('VALIDATION', 'nothing to change');
    return fields;
  }
  if (change.avatar === null) return { ...fields, photo: null };
  if (!(change.avatar?.blob instanceof Blob) || !isInlineImage(change.avatar.blob.type)) {
    throw new PigeonError('VALIDATION', 'avatar: a photo must be a PNG, JPEG, GIF, WebP or AVIF image');
  }
  const [photo] = await prepareFiles([change.avatar], describeImage);
  return { ...fields, photo: photo! };
}
