import { Hono } from 'hono';
import { isInlineImage, PigeonError, profileUpdateSchema, userIdSchema, type User } from '@pigeon/sync-protocol';
import { z } from 'zod';
import { thumbnailBlobId } from '../../attachments/blob-store.ts';
import type { ProfileChange, UserRecord } from '../../store/store.ts';
import { toPublicUser, withoutPresence } from '../../users/public-user.ts';
import { serveAvatar } from '../attachment-download.ts';
import type { AppEnv, HttpServices } from '../types.ts';
import { readJson } from '../validate.ts';

const userIdParam = z.object({ id: userIdSchema });

/**
 * Profiles (#19 item 12; sync-protocol rest/profile.ts, docs/api.md "Profile"), under /api/users:
 *
 *   PATCH /api/users/me { displayName?, about?, avatarId? } → 200 { user }, then `user-updated`
 *   GET   /api/users/:id/avatar → the photo's WebP thumbnail, 304 on If-None-Match, 404 when none
 *
 * A PATCH counts against SEND_RATE_LIMIT (writeLimit), like a mute.
 */
export function profileRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  routes.patch('/me', async (c) => {
    const me = c.get('userId');
    const body = await readJson(c, profileUpdateSchema);
    await s.writeLimit.take(me);
    if (typeof body.avatarId === 'string') await checkPhoto(s, me, body.avatarId);
    const change: ProfileChange = {};
    if (body.displayName !== undefined) change.displayName = body.displayName;
    if (body.about !== undefined) change.about = body.about;
    if (body.avatarId !== undefined) change.avatarId = body.avatarId;
    const record = await s.store.updateProfile(me, change);
    if (!record) throw new PigeonError('UNAUTHENTICATED', 'account not found');
    const user = await tellEveryone(s, record);
    return c.json({ user });
  });

  routes.get('/:id/avatar', async (c) => {
    const parsed = userIdParam.safeParse(c.req.param());
    if (!parsed.success) throw new PigeonError('VALIDATION', 'id: invalid user id');
    const [record] = await s.store.getUsers([parsed.data.id]);
    if (!record?.avatar) throw new PigeonError('NOT_FOUND', 'no photo for this user');
    return serveAvatar(c, s.attachments, record.avatar.id);
  });

  return routes;
}

/**
 * A photo must be a raster image (INLINE_IMAGE_MIMES) the server could make a thumbnail of: the
 * thumbnail is what `GET /api/users/:id/avatar` serves. Ownership and "not sent" are the store's
 * check, in its commit; an unknown or someone else's id is NOT_FOUND here too, before any I/O
 * on the bytes, so the answer never tells whether the id exists.
 */
async function checkPhoto(s: HttpServices, me: string, id: string): Promise<void> {
  const record = await s.store.getAttachment(id);
  if (!record || record.uploaderId !== me) throw new PigeonError('NOT_FOUND', 'avatarId: no such upload of yours');
  if (!isInlineImage(record.mime)) throw new PigeonError('VALIDATION', 'avatarId: a photo must be a PNG, JPEG, GIF, WebP or AVIF image');
  if ((await s.attachments.blobs.size(thumbnailBlobId(id))) === null) {
    throw new PigeonError('VALIDATION', 'avatarId: this image could not be read (too large, or damaged)');
  }
}

/**
 * `user-updated` to the user's own sockets (their other devices) and to everyone who shares a
 * conversation with them (privacy/contacts.ts): by user room, so through the Redis adapter it
 * reaches every node. Presence goes only where the Audience allows it (blocks); the others get
 * the profile without it, as `GET /api/users?ids=` would answer them. Returns the caller's copy.
 */
async function tellEveryone(s: HttpServices, record: UserRecord): Promise<User> {
  const me = record.id;
  const [online, peers, watchers] = await Promise.all([
    s.presence.onlineAmong([me]),
    s.audience.contacts.peersOf(me),
    s.audience.watchersOf(me),
  ]);
  const user = toPublicUser(record, online.has(me));
  const seeing = new Set(watchers);
  s.fanout.emit([me, ...seeing], 'user-updated', { user });
  const others = [...peers].filter((p) => !seeing.has(p) && p !== me);
  if (others.length > 0) s.fanout.emit(others, 'user-updated', { user: withoutPresence(record) });
  return user;
}
