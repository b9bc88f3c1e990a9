/**
 * The `Range` header of a download (RFC 9110 §14): one byte range, served as 206. Pure.
 *
 * Only a single range is honoured; a header the server does not understand (another unit,
 * several ranges, bad syntax) is ignored and the whole file is sent (200), as RFC 9110 allows.
 * A syntactically valid range that starts past the end is 416 (with `Content-Range: bytes * /size`).
 */
export type RangeDecision = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

export function parseRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    // A suffix: the last N bytes.
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? Infinity : Number(m[2]);
  if (end < start) return { kind: 'full' }; // invalid: ignored
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

/** The strong ETag of an attachment: its SHA-256 (the bytes never change under an id). */
export const etagOf = (sha256: string): string => `"${sha256}"`;

/** Whether `If-None-Match` names this ETag (or `*`); weak comparison, as RFC 9110 asks for it. */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}
