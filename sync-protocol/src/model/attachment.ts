/**
 * Uploads (contract v2, "Attachments", and its resumable extension in docs/api.md): the query of
 * `POST /api/attachments`, its answers, and the `Content-Range` codec both sides use.
 *
 * One upload is named by its uploader and `clientId` (chosen by the device when the file is
 * picked), like a message: the same clientId again is the same upload, whether it is finished
 * (200, the stored attachment) or half-way (its bytes so far are kept, and the next request
 * continues them).
 *
 *   POST /api/attachments?clientId&name[&sha256][&preview]     body: the file
 *     without Content-Range: the body is the whole file                 → 201 { attachment }
 *     Content-Range: bytes <start>-<end>/<size>: bytes start..end of it → 202 { upload } until
 *       the last byte, then 201 { attachment }; a start other than the stored offset → 409
 *       CONFLICT with { upload } saying where it stands
 *     Content-Range: bytes * /<size> (no space), empty body: where it stands → 202 { upload },
 *       or 200 { attachment } once finished
 */
import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { hasBidiControl, isWellFormedText, textLength } from '../text.ts';
import { clientIdSchema } from './message.ts';
import { attachmentSchema } from './message-parts.ts';
import { lazySchema } from '../lazy-schema.ts';

export { INLINE_IMAGE_MIMES, isInlineImage } from '../media-types.ts';

/** Control characters (C0, DEL, C1) and path separators: a name is shown and offered as a download name, never a path. */
const UNSAFE_NAME = /[\u0000-\u001f\u007f-\u009f/\\]/;

/** A file name as shown and downloaded: 1..255 code points after trimming, no path separator, control or bidi character, not "." or "..". */
export const attachmentNameSchema = lazySchema(() =>
  z
    .string()
    .trim()
    .refine(isWellFormedText, 'ill-formed text (a lone UTF-16 surrogate)')
    .refine((s) => textLength(s) >= 1, 'must not be empty')
    .refine((s) => textLength(s) <= LIMITS.attachmentNameMaxChars, `at most ${LIMITS.attachmentNameMaxChars} characters`)
    .refine((s) => !UNSAFE_NAME.test(s) && !hasBidiControl(s) && s !== '.' && s !== '..', 'no path separators or control characters'),
);

/** A ThumbHash in base64url. */
export const attachmentPreviewSchema = lazySchema(() =>
  z
    .string()
    .min(1)
    .max(LIMITS.attachmentPreviewMaxChars)
    .regex(/^[A-Za-z0-9_-]+$/, 'base64url'),
);

export const sha256HexSchema = lazySchema(() =>
  z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
);

/** The query of `POST /api/attachments`. `sha256` (extension): the server refuses bytes that do not hash to it (VALIDATION), nothing stored. */
export const uploadQuerySchema = lazySchema(() =>
  z.object({
    clientId: clientIdSchema,
    name: attachmentNameSchema,
    sha256: sha256HexSchema.optional(),
    preview: attachmentPreviewSchema.optional(),
  }),
);
export type UploadQuery = z.infer<typeof uploadQuerySchema>;

/** Where an unfinished upload stands: `offset` bytes of `size` are stored. */
export const uploadProgressSchema = lazySchema(() =>
  z.object({ offset: z.number().int().nonnegative(), size: z.number().int().positive() }),
);
export type UploadProgress = z.infer<typeof uploadProgressSchema>;

/** 200/201: the stored attachment. */
export const uploadDoneResponseSchema = lazySchema(() => z.object({ attachment: attachmentSchema }));
/** 202, and the body of a 409 CONFLICT beside `error`: where the upload stands. */
export const uploadPartialResponseSchema = lazySchema(() => z.object({ upload: uploadProgressSchema }));

/** A parsed `Content-Range` of an upload: bytes start..end (inclusive) of `size`, or only `size` (a status query). */
export type ContentRange = { start: number; end: number; size: number } | { start: null; end: null; size: number };

/** `bytes 0-1048575/4000000`, or a status query (`bytes *` then `/4000000`); null for anything else (a 400 VALIDATION). */
export function parseContentRange(header: string): ContentRange | null {
  const star = /^bytes \*\/(\d{1,16})$/.exec(header.trim());
  if (star) {
    const size = Number(star[1]);
    return size > 0 ? { start: null, end: null, size } : null;
  }
  const m = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16})$/.exec(header.trim());
  if (!m) return null;
  const [start, end, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!(start <= end && end < size)) return null;
  return { start, end, size };
}

export function formatContentRange(range: ContentRange): string {
  return range.start === null ? `bytes */${range.size}` : `bytes ${range.start}-${range.end}/${range.size}`;
}
