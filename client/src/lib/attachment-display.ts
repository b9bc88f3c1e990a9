/**
 * How a bubble and the tray draw attachments: icons by kind, type labels, the image grid, aspect
 * ratios, upload progress. Pure; only the chunks loaded on demand use these (lib/attachments.ts
 * keeps what the initial JS needs).
 */
import type { Attachment } from '@pigeon/sync-protocol';
import { t } from '../i18n/index.ts';

/** A broad kind of file, for its icon. */
export type FileKind = 'image' | 'pdf' | 'audio' | 'video' | 'archive' | 'text' | 'other';

export function fileKind(mime: string, name = ''): FileKind {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (mime.startsWith('image/')) return 'image';
  if (mime === 'application/pdf' || ext === 'pdf') return 'pdf';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  if (/zip|x-7z|x-rar|x-tar|gzip|x-bzip/.test(mime) || ['zip', '7z', 'rar', 'tar', 'gz', 'tgz'].includes(ext)) return 'archive';
  if (mime.startsWith('text/') || mime === 'application/json') return 'text';
  return 'other';
}

/** A short type label for a file chip: "PDF", "ZIP", else the extension, else the MIME subtype, else "FILE" (translated). */
export function typeLabel(mime: string, name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1) : '';
  if (ext && ext.length <= 5) return ext.toUpperCase();
  const sub = mime.split('/')[1] ?? '';
  return sub && sub !== 'octet-stream' ? sub.toUpperCase().slice(0, 12) : t('media.fileType');
}

/** A bubble's image grid: at most 4 cells; with more images the 4th says "+N" for the rest. */
export function gridCells(count: number): { shown: number; more: number } {
  if (count <= 4) return { shown: count, more: 0 };
  return { shown: 4, more: count - 4 };
}

/** Width / height of a single image, from its measured size, else its ThumbHash's aspect, else square. */
export function aspectRatio(a: Pick<Attachment, 'width' | 'height'>, thumbHashAspect: number | null): number {
  const ratio = a.width && a.height ? a.width / a.height : (thumbHashAspect ?? 1);
  // Very tall or wide images are cropped to a sane frame (the lightbox shows them whole).
  return Math.min(2.5, Math.max(0.4, ratio));
}

/** Upload progress of an own pending attachment, 0..1, or null when it is not uploading (acked, received). */
export function uploadProgress(a: { size: number; uploaded?: number }): number | null {
  if (a.uploaded === undefined || a.size <= 0) return null;
  return Math.min(1, Math.max(0, a.uploaded / a.size));
}
