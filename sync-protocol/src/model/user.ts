import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { hasBidiControl, textSchema } from '../text.ts';
import { lazySchema } from '../lazy-schema.ts';

export const userIdSchema = lazySchema(() => z.string().min(1).max(64));

export const usernameSchema = lazySchema(() =>
  z
    .string()
    .trim()
    .toLowerCase()
    .min(LIMITS.usernameMin)
    .max(LIMITS.usernameMax)
    .regex(/^[a-z0-9_.-]+$/, 'only a-z, 0-9, "_", "." and "-"'),
);

/** 1..64 code points, well-formed, no bidi overrides or isolates (text.ts). */
export const displayNameSchema = lazySchema(() =>
  textSchema(1, LIMITS.displayNameMax).refine((s) => !hasBidiControl(s), 'bidi control characters are not allowed'),
);

/** The profile's "about" line (extension): 0..140 code points after trimming, '' = none, same text rules as a name. */
export const aboutSchema = lazySchema(() =>
  textSchema(0, LIMITS.aboutMax).refine((s) => !hasBidiControl(s), 'bidi control characters are not allowed'),
);

/**
 * A profile photo (extension, #19 item 12): one of the user's own image uploads
 * (`POST /api/attachments`), served to any signed-in user as a small WebP at
 * `GET /api/users/:id/avatar`. `id` is the attachment id (it changes with the photo, so it is
 * also the cache key); `preview` its ThumbHash (base64url), shown until the image loads.
 */
export const avatarSchema = lazySchema(() =>
  z.object({ id: z.string().min(1).max(64), preview: z.string().max(LIMITS.attachmentPreviewMaxChars).nullable() }),
);
export type Avatar = z.infer<typeof avatarSchema>;

/**
 * A user as every client sees them: never a password hash. `about` and `avatar` are extensions
 * (#19 item 12): optional here so a v1 server's users still parse; Pigeon's server always sends them.
 * `profileVersion` (extension) rises by one with each change of the name, about line or photo: of
 * two copies of a user, the higher version has the newer profile (local/user-copies.ts).
 */
export const userSchema = lazySchema(() =>
  z.object({
    id: userIdSchema,
    username: z.string(),
    displayName: z.string(),
    online: z.boolean(),
    lastSeen: z.string().nullable(),
    about: z.string().optional(),
    avatar: avatarSchema.nullable().optional(),
    profileVersion: z.number().int().nonnegative().optional(),
  }),
);
export type User = z.infer<typeof userSchema>;
