/**
 * The parts a message gained with contract v2 ("Message actions", "Attachments"): what it
 * replies to, its reactions, its attachments. One schema per shape, shared by client and server.
 */
import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { textLength } from '../text.ts';
import { lazySchema } from '../lazy-schema.ts';

/** The message a reply quotes, as the server saw it when the reply was stored; `preview` is '' once the original is deleted for everyone. */
export const replyRefSchema = lazySchema(() =>
  z.object({ id: z.string(), senderId: z.string(), preview: z.string() }),
);
export type ReplyRef = z.infer<typeof replyRefSchema>;

/** One user's reaction (at most one per user and message). */
export const reactionSchema = lazySchema(() => z.object({ userId: z.string(), emoji: z.string() }));
export type Reaction = z.infer<typeof reactionSchema>;

/** An attachment's id: the server makes it (url-safe, so it can sit in a path segment). */
export const attachmentIdSchema = lazySchema(() =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'an attachment id'),
);

/**
 * A stored upload (contract v2, "Attachments"), as messages carry it.
 *  - `mime`: decided by the server from the file's bytes, never the client's header
 *    (docs/api.md, "Attachments"); raster images the PWA shows inline are INLINE_IMAGE_MIMES.
 *  - `sha256`: lowercase hex of the bytes.
 *  - `width` / `height`: of a raster image, in pixels, as displayed (EXIF orientation applied).
 *  - `preview` (extension): a ThumbHash of an image in base64url (≤ 64 characters), drawn as a
 *    blurred placeholder before the bytes arrive; made on the device when it can, else by the server.
 */
export const attachmentSchema = lazySchema(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    mime: z.string(),
    size: z.number().int().nonnegative(),
    sha256: z.string(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    preview: z.string().optional(),
  }),
);
export type Attachment = z.infer<typeof attachmentSchema>;

/** Only emoji code points, joiners, variation selectors and keycaps, with at least one pictograph, flag or keycap. */
const EMOJI_ONLY = /^[\p{Emoji}\p{Emoji_Component}\u200d\ufe0f\u20e3]+$/u;
const HAS_PICTURE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;

/** Whether `s` is a reaction a user could pick: 1..16 code points of emoji (text like "ok" or "1" is refused). */
export const isReactionEmoji = (s: string): boolean =>
  textLength(s) >= 1 && textLength(s) <= LIMITS.emojiMaxChars && EMOJI_ONLY.test(s) && HAS_PICTURE.test(s);

/** A reaction as sent: an emoji, or '' to remove one's reaction. */
export const emojiSchema = lazySchema(() =>
  z
    .string()
    .max(LIMITS.emojiMaxChars * 2)
    .refine((s) => s === '' || isReactionEmoji(s), `an emoji of at most ${LIMITS.emojiMaxChars} characters, or '' to remove`),
);
