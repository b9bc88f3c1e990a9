import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio } from 'thumbhash';
import { describe, expect, it } from 'vitest';
import { describeImage, THUMBNAIL_MAX_PX } from './image.ts';

const gradient = (width: number, height: number) => {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) raw.set([(i % width) % 256, Math.floor(i / width) % 256, 128], i * 3);
  return sharp(raw, { raw: { width, height, channels: 3 } });
};

describe('describeImage', () => {
  it('gives width/height, a ThumbHash and a WebP thumbnail of at most 480 px', async () => {
    const png = await gradient(1200, 600).png().toBuffer();
    const facts = await describeImage(png, { maxPixels: 50e6, wantPreview: true });
    if (facts.kind !== 'image') throw new Error(facts.reason);
    expect([facts.width, facts.height]).toEqual([1200, 600]);
    expect(facts.preview).toMatch(/^[A-Za-z0-9_-]{20,40}$/);
    expect(thumbHashToApproximateAspectRatio(Buffer.from(facts.preview!, 'base64url'))).toBeCloseTo(2, 0);
    const thumb = await sharp(facts.thumbnail!).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', THUMBNAIL_MAX_PX, 240]);
  });

  it('applies the EXIF orientation (6: rotated 90°, so width and height swap)', async () => {
    const jpeg = await gradient(40, 20).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const facts = await describeImage(jpeg, { maxPixels: 50e6, wantPreview: false });
    expect(facts).toMatchObject({ kind: 'image', width: 20, height: 40, preview: null });
    if (facts.kind !== 'image') return;
    expect(await sharp(facts.thumbnail!).metadata()).toMatchObject({ width: 20, height: 40 });
  });

  it('describes an image over the pixel limit from its header only', async () => {
    const png = await gradient(300, 200).png().toBuffer();
    expect(await describeImage(png, { maxPixels: 10_000, wantPreview: true })).toEqual({ kind: 'image', width: 300, height: 200, preview: null, thumbnail: null });
  });

  it('calls a truncated or garbage image corrupt', async () => {
    const png = await gradient(300, 200).png().toBuffer();
    expect(await describeImage(png.subarray(0, 200), { maxPixels: 50e6, wantPreview: true })).toMatchObject({ kind: 'corrupt' });
    expect(await describeImage(Buffer.from('not an image'), { maxPixels: 50e6, wantPreview: true })).toMatchObject({ kind: 'corrupt' });
  });
});
