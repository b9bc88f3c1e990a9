/**
 * Which files a client shows inline. Free of zod (unlike model/attachment.ts, which re-exports
 * it), so the client's first paint can name a photo in the list without the schemas' code.
 */

/** Raster images a client may show inline (an `<img>` of the bytes); anything else is a file to download. */
export const INLINE_IMAGE_MIMES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);
export const isInlineImage = (mime: string): boolean => INLINE_IMAGE_MIMES.has(mime);
