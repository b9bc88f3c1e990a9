/**
 * What an upload is, decided from its first bytes (file-type's magic numbers), never from the
 * client's Content-Type alone (docs/api.md, "Attachments"). Pure: no I/O, unit-tested.
 *
 * Refused (415 UNSUPPORTED_MEDIA_TYPE) is anything a browser could run as script on Pigeon's
 * origin if it ever rendered it — HTML, XHTML, SVG, XML, JavaScript — whether the bytes, the
 * declared type or the file name say so; and a file that claims to be an image (image/* type, or
 * an image extension) whose bytes are not one (the ".png" that is really HTML). The headers of
 * the download (nosniff, CSP sandbox, attachment disposition) make a stored file inert anyway;
 * this refusal keeps such files from being stored at all.
 */
import { fileTypeFromBuffer } from 'file-type';
import { isInlineImage } from '@pigeon/sync-protocol';

/** How many leading bytes are sniffed (file-type needs up to ~4100 for some formats). */
export const SNIFF_BYTES = 8192;

export type SniffVerdict = { ok: true; mime: string } | { ok: false; reason: string };

export interface SniffInput {
  /** The first SNIFF_BYTES bytes (or the whole file when shorter). */
  head: Buffer;
  /** The request's Content-Type, as the client sent it (may be absent or junk). */
  declaredType: string | undefined;
  name: string;
}

const ACTIVE_TYPES = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'text/ecmascript',
  'text/xsl',
]);
const ACTIVE_EXTENSIONS = new Set(['html', 'htm', 'shtml', 'xhtml', 'xht', 'svg', 'svgz', 'xml', 'xsl', 'xslt', 'js', 'mjs', 'cjs']);
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'jfif', 'gif', 'webp', 'avif', 'heic', 'heif', 'bmp', 'tif', 'tiff', 'ico']);

/**
 * Leading markup that makes a browser treat bytes as HTML/XML (the WHATWG MIME Sniffing
 * standard's HTML patterns, plus `<?xml` and `<svg`), matched case-insensitively after a BOM
 * and whitespace; each tag must be followed by a space or `>` as in the standard.
 */
const MARKUP_TAGS = ['!doctype html', 'html', 'head', 'script', 'iframe', 'h1', 'div', 'font', 'table', 'a', 'style', 'title', 'b', 'body', 'br', 'p', '!--', 'svg', '?xml'];

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The lower-cased extension of a file name ('' when none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** The text at the start of `head` (UTF-8, or UTF-16 after its BOM), for the markup check. */
function leadingText(head: Buffer): string {
  const sample = head.subarray(0, 1024);
  if (sample[0] === 0xfe && sample[1] === 0xff) return Buffer.from(sample.subarray(2)).swap16().toString('utf16le');
  if (sample[0] === 0xff && sample[1] === 0xfe) return sample.subarray(2).toString('utf16le');
  const text = sample.toString('utf8');
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}

/** True when the bytes start like HTML, SVG or XML. */
export function looksLikeMarkup(head: Buffer): boolean {
  const text = leadingText(head).replace(/^[\t\n\f\r ]+/, '').toLowerCase();
  if (!text.startsWith('<')) return false;
  return MARKUP_TAGS.some((tag) => {
    if (!text.startsWith(`<${tag}`)) return false;
    const next = text.charAt(tag.length + 1);
    // `<!--` needs nothing after it; a tag name must end (space or '>'); at the very end of the sample it counts too.
    return tag === '!--' || next === '' || next === ' ' || next === '>' || /[\t\n\f\r/]/.test(next);
  });
}

/** Valid UTF-8 without NUL (a trailing sequence cut by the end of `head` is allowed). */
export function isPlainText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

const isRaster = (mime: string): boolean => mime.startsWith('image/') && !ACTIVE_TYPES.has(mime);

/** The stored mime of an upload, or why it is refused. */
export async function sniff({ head, declaredType, name }: SniffInput): Promise<SniffVerdict> {
  const declared = mediaType(declaredType);
  const extension = extensionOf(name);
  if (ACTIVE_TYPES.has(declared) || declared.endsWith('+xml')) return { ok: false, reason: `type ${declared} could run script` };
  if (ACTIVE_EXTENSIONS.has(extension)) return { ok: false, reason: `.${extension} files could run script` };
  if (looksLikeMarkup(head)) return { ok: false, reason: 'the file is HTML, SVG or XML' };
  const detected = (await fileTypeFromBuffer(head))?.mime;
  if (detected !== undefined && (ACTIVE_TYPES.has(detected) || detected.endsWith('+xml'))) return { ok: false, reason: `the file is ${detected}` };
  const claimsImage = declared.startsWith('image/') || IMAGE_EXTENSIONS.has(extension);
  if (claimsImage && (detected === undefined || !isRaster(detected))) return { ok: false, reason: 'the file claims to be an image but is not one' };
  if (detected !== undefined) return { ok: true, mime: detected };
  if (declared === 'text/plain' && isPlainText(head)) return { ok: true, mime: 'text/plain' };
  return { ok: true, mime: 'application/octet-stream' };
}

/** Whether the server decodes it (width/height, ThumbHash, thumbnail): raster images a client shows inline. */
export const isDecodedImage = (mime: string): boolean => isInlineImage(mime);
