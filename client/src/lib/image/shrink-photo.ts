/**
 * A profile photo made small before it is stored and uploaded (#19 item 12): at most PHOTO_MAX_PX
 * on its long side, re-encoded as JPEG. A phone's 12-megapixel picture would otherwise wait in the
 * outbox (IndexedDB) and upload at full size for a picture shown at 40 px, and at 160 px at most.
 * EXIF orientation is applied by createImageBitmap ('from-image'). Browser only.
 */
export const PHOTO_MAX_PX = 512;

export async function shrinkPhoto(file: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const scale = Math.min(1, PHOTO_MAX_PX / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2d canvas');
    // JPEG has no transparency: a transparent picture sits on white, not black.
    context.fillStyle = '#fff';
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encoding failed'))), 'image/jpeg', 0.88));
  } finally {
    bitmap.close();
  }
}
