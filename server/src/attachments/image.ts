/**
 * What the server learns from a raster image (INLINE_IMAGE_MIMES): its size as displayed (EXIF
 * orientation applied), a ThumbHash `preview`, and a WebP thumbnail (≤ THUMBNAIL_MAX_PX on the
 * long side). sharp (libvips) never sees SVG (sniff.ts refuses it before).
 *
 * Decisions (docs/api.md, "Attachments"):
 *  - A header that cannot be read, or pixels that cannot be decoded, make the upload not an
 *    image: `{ kind: 'corrupt' }`. The caller refuses it (415) when the client declared an image,
 *    and otherwise stores it as a file (application/octet-stream), never shown inline.
 *  - An image larger than `maxPixels` (a decompression bomb, or a very large photo) is not decoded:
 *    its width/height come from the header, no thumbnail and no server-made preview.
 */
import sharp, { type Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';

export const THUMBNAIL_MAX_PX = 480;
/** ThumbHash works on ≤ 100×100 pixels. */
const THUMBHASH_MAX_PX = 100;

export type ImageFacts =
  | { kind: 'image'; width: number; height: number; preview: string | null; thumbnail: Buffer | null }
  | { kind: 'corrupt'; reason: string };

export interface DescribeOptions {
  /** Larger images are described from their header only (sharp's limitInputPixels otherwise). */
  maxPixels: number;
  /** Make a ThumbHash (false when the client sent its own). */
  wantPreview: boolean;
}

export async function describeImage(bytes: Buffer, options: DescribeOptions): Promise<ImageFacts> {
  let width: number;
  let height: number;
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    // autoOrient: the dimensions once the EXIF orientation is applied (5–8 swap width and height).
    width = meta.autoOrient?.width ?? meta.width;
    height = meta.autoOrient?.height ?? meta.height;
    if (!(width > 0 && height > 0)) return { kind: 'corrupt', reason: 'no dimensions' };
  } catch (err) {
    return { kind: 'corrupt', reason: (err as Error).message };
  }
  if (width * height > options.maxPixels) return { kind: 'image', width, height, preview: null, thumbnail: null };
  try {
    const input = () => sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'error' }).autoOrient();
    const thumbnail = await input()
      .resize(THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 70 })
      .toBuffer();
    const preview = options.wantPreview ? await thumbHash(input()) : null;
    return { kind: 'image', width, height, preview, thumbnail };
  } catch (err) {
    return { kind: 'corrupt', reason: (err as Error).message };
  }
}

/** ThumbHash of the image scaled to ≤ 100×100 RGBA, in base64url (≈ 25 bytes → ≤ 34 characters). */
async function thumbHash(image: Sharp): Promise<string> {
  const { data, info } = await image
    .resize(THUMBHASH_MAX_PX, THUMBHASH_MAX_PX, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64url');
}
