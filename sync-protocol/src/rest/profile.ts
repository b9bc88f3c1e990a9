/**
 * Editing one's own profile (extension, #19 item 12; docs/api.md "Profile"):
 *
 *   PATCH /api/users/me   { displayName?, about?, avatarId? }  → 200 { user }
 *     (beside GET /api/users/me, behind the same Bearer check as every /api/users route)
 *   socket `user-updated` { user }  to the user's other sockets and to everyone who shares a
 *                                   conversation with them (so names and photos converge)
 *   GET /api/users/:id/avatar      → 200 image/webp (any signed-in user; ETag = avatar id,
 *                                   immutable), 404 NOT_FOUND when the user has none
 *
 * Only the fields present change, so two devices editing different fields both win; for one
 * field the last change the server applies wins, and every device converges to it through
 * `user-updated`. A PATCH is idempotent (values, not toggles): the engine's outbox may send it
 * again after a lost answer without harm.
 *
 * `avatarId`: an attachment id of the caller's own upload that is a raster image (VALIDATION
 * otherwise; NOT_FOUND for someone else's or an unknown id, never revealing which), or null to
 * remove the photo. A photo in use is never swept as an orphan; the one it replaces becomes
 * an orphan again (it is not attached to any message), so the sweep reclaims it.
 */
import { z } from 'zod';
import { aboutSchema, displayNameSchema, userSchema } from '../model/user.ts';
import { lazySchema } from '../lazy-schema.ts';

export const profileUpdateSchema = lazySchema(() =>
  z
    .object({
      displayName: displayNameSchema.optional(),
      about: aboutSchema.optional(),
      avatarId: z.string().min(1).max(64).nullable().optional(),
    })
    .strict()
    .refine((p) => p.displayName !== undefined || p.about !== undefined || p.avatarId !== undefined, 'nothing to change'),
);
export type ProfileUpdate = z.infer<typeof profileUpdateSchema>;

export const profileResponseSchema = lazySchema(() => z.object({ user: userSchema }));
export type ProfileResponse = z.infer<typeof profileResponseSchema>;
