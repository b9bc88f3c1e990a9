/**
 * What the engine's `describeImage` answers for one picked file: its displayed size (EXIF
 * orientation applied) and a ThumbHash of it in base64url, drawn at ≤ 100 × 100 as ThumbHash
 * requires. Runs in the module worker (worker.ts) or, where there is none, on the main thread.
 */
import { rgbaToThumbHash } from 'thumbhash';
import { toBase64Url } from '../base64url.ts';

export interface ImageDescription {
  width: number;
  height: number;
  preview: string;
}

/** ThumbHash takes at most 100 × 100 pixels. */
const MAX_SIDE = 100;

type Canvas2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

/** A 2D context of `w` × `h`: an OffscreenCanvas where there is one, else a `<canvas>` (main thread only). */
function context(w: number, h: number): Canvas2D | null {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(w, h).getContext('2d');
  if (typeof document === 'undefined') return null;
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  return canvas.getContext('2d');
}

/** null when the bytes are no image this browser decodes (a PDF, HEIC in Chromium, a broken file). */
export async function describeImageBlob(blob: Blob): Promise<ImageDescription | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch {
    return null;
  }
  try {
    const { width, height } = bitmap;
    if (!width || !height) return null;
    const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const ctx = context(w, h);
    if (!ctx) return null;
    ctx.drawImage(bitmap, 0, 0, w, h);
    const pixels = ctx.getImageData(0, 0, w, h).data;
    return { width, height, preview: toBase64Url(rgbaToThumbHash(w, h, pixels)) };
  } catch {
    return null;
  } finally {
    bitmap.close();
  }
}
