/**
 * Attachments as the UI shows them: which are inline images, sizes in words, what a quote or the
 * conversation list says of a message without text, how many images a bubble's grid shows, why
 * an upload was refused. Pure functions (unit-tested beside this file).
 */
import type { Attachment } from '@pigeon/sync-protocol';
// Not the package's root: it carries the schemas (zod), and the first paint's rows use this module.
import { LIMITS } from '@pigeon/sync-protocol/limits';
import { isInlineImage } from '@pigeon/sync-protocol/media-types';
import { currentLocale, t } from '../i18n/index.ts';

/** UI strings of attachments, in one place (media.json); read at each use, so a language switch shows at once. */
export const ATTACHMENT_TEXT = {
  get photo() {
    return t('media.photo');
  },
  photos: (n: number) => t('media.photos', { n }, n),
  file: (name: string) => t('media.file', { name }),
  files: (n: number) => t('media.files', { n }, n),
  tooLarge: (size: string, limit: string) => t('media.tooLarge', { size, limit }),
  tooLargeNoSize: (limit: string) => t('media.tooLargeNoSize', { limit }),
  get unsupported() {
    return t('media.unsupported');
  },
  get attach() {
    return t('media.attach');
  },
  remove: (name: string) => t('media.remove', { name }),
  tooMany: (max: number) => t('media.tooMany', { max }),
  empty: (name: string) => t('media.empty', { name }),
  download: (name: string) => t('media.download', { name }),
  openImage: (i: number, n: number) => (n > 1 ? t('media.openImage', { i, n }) : t('media.openPhoto')),
  more: (n: number) => t('media.more', { n }),
  uploading: (percent: number) => t('media.uploading', { percent }),
  get unavailable() {
    return t('media.unavailable');
  },
};

export const MAX_FILES: (typeof LIMITS)['attachmentsPerMessageMax'] = 10;

/**
 * Whether a bubble shows the attachment as a picture (an `<img>`): only raster types the server
 * sniffed as such, so HEIC, SVG and anything unknown are files to download, never rendered.
 */
export const showsInline = (a: Pick<Attachment, 'mime'>): boolean => isInlineImage(a.mime);

const UNITS = ['B', 'KB', 'MB', 'GB'] as const;

/**
 * 1536 → "1.5 KB" (French "1,5 Ko"), 17_000_000 → "16 MB": binary steps, as file managers mostly
 * show; one decimal under 10. The number in the UI's locale, the unit from media.json.
 */
export function humanSize(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${new Intl.NumberFormat(currentLocale(), { maximumFractionDigits: 1 }).format(shown)} ${t(`media.units.${UNITS[unit]}`)}`;
}

/**
 * What stands for a message's attachments where only a line of text fits (a quote, the list's
 * last message): "📷 Photo", "📷 3 photos", "📎 report.pdf", "📎 2 files"; '' without attachments.
 */
export function attachmentSummary(attachments: readonly Pick<Attachment, 'mime' | 'name'>[] | undefined): string {
  const list = attachments ?? [];
  if (list.length === 0) return '';
  const images = list.filter(showsInline).length;
  if (images === list.length) return images === 1 ? ATTACHMENT_TEXT.photo : ATTACHMENT_TEXT.photos(images);
  return list.length === 1 ? ATTACHMENT_TEXT.file(list[0]!.name) : ATTACHMENT_TEXT.files(list.length);
}

/** A message's text for one line: its body, or its attachments' summary when it has no text. */
export function messageLine(message: { body: string; attachments?: readonly Pick<Attachment, 'mime' | 'name'>[] }): string {
  return message.body || attachmentSummary(message.attachments);
}

/** The server's limit when its refusal names it ("attachments are at most 16777216 bytes"), else the contract's default. */
export function limitFromMessage(message: string): number {
  const m = /(\d{4,})\s*bytes\s*$/i.exec(message.trim());
  const n = m ? Number(m[1]) : NaN;
  return Number.isFinite(n) && n > 0 ? n : LIMITS.attachmentMaxBytesDefault;
}

/**
 * Why a message with attachments was refused, for its bubble (after "Not sent."): "Too large:
 * 17 MB, the limit is 16 MB.", "This type of file can't be sent."; null for any other refusal
 * (the generic reasons apply). The engine names the refused file first ("IMG_1.jpg: …"): its size
 * is the one shown, else the largest.
 */
export function uploadRefusal(error: { code: string; message: string } | undefined, attachments: readonly Pick<Attachment, 'size' | 'name'>[] | undefined): string | null {
  if (!error || !attachments?.length) return null;
  if (error.code === 'UNSUPPORTED_MEDIA_TYPE') return ATTACHMENT_TEXT.unsupported;
  if (error.code !== 'PAYLOAD_TOO_LARGE') return null;
  const named = attachments.find((a) => error.message.startsWith(`${a.name}: `));
  const limit = limitFromMessage(named ? error.message.slice(named.name.length + 2) : error.message);
  const size = named?.size ?? Math.max(...attachments.map((a) => a.size));
  return size > limit ? ATTACHMENT_TEXT.tooLarge(humanSize(size), humanSize(limit)) : ATTACHMENT_TEXT.tooLargeNoSize(humanSize(limit));
}

/** Which of the picked files can be added to a tray that holds `held` already: the rest is refused with a reason. */
export function acceptFiles<T extends { size: number; name: string }>(picked: readonly T[], held: number): { accepted: T[]; refusal: string | null } {
  const room = Math.max(0, MAX_FILES - held);
  const nonEmpty = picked.filter((f) => f.size > 0);
  const empty = picked.find((f) => f.size === 0);
  const accepted = nonEmpty.slice(0, room);
  const refusal = nonEmpty.length > room ? ATTACHMENT_TEXT.tooMany(MAX_FILES) : empty ? ATTACHMENT_TEXT.empty(empty.name) : null;
  return { accepted, refusal };
}
