/**
 * `Content-Disposition` of a download (RFC 6266): `inline` for raster images a client shows,
 * `attachment` for everything else, with the name as RFC 5987 `filename*` (UTF-8, percent-encoded)
 * and an ASCII `filename` fallback for old clients. Pure.
 */

/** RFC 5987 attr-char: everything else is percent-encoded (encodeURIComponent leaves ' ( ) * too). */
const encodeExtValue = (name: string): string =>
  encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/** The name with anything outside printable ASCII, and `"` `\` `%` (some clients decode it), replaced by `_`. */
const asciiFallback = (name: string): string => name.replace(/[^\x20-\x7e]|["\\%]/g, '_');

export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  return `${kind}; filename="${asciiFallback(name)}"; filename*=UTF-8''${encodeExtValue(name)}`;
}
