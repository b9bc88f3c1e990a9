import { fromBase64Url, toBase64Url } from './base64url.ts';
import { PigeonError } from './errors.ts';

/**
 * Cursors are opaque to clients. Inside, a sync cursor is a position in the
 * store's change log and a history cursor is a conversation seq; both are
 * wrapped with a kind tag and version so a cursor of one kind can't be
 * replayed as another, and so the format can change later.
 */
type CursorKind = 's' | 'h';

// Cursor text is ASCII; base64url keeps it query-safe.
function encode(kind: CursorKind, value: number): string {
  return toBase64Url(`v1.${kind}.${value}`);
}

function decode(kind: CursorKind, cursor: string): number {
  let text: string;
  try {
    text = fromBase64Url(cursor);
  } catch {
    throw new PigeonError('VALIDATION', 'cursor: malformed');
  }
  const m = /^v1\.([sh])\.(\d{1,15})$/.exec(text);
  if (!m || m[1] !== kind) throw new PigeonError('VALIDATION', 'cursor: malformed');
  return Number(m[2]);
}

/** Sync cursor: the last change-log position the client has applied. Empty means "from the start". */
export const encodeSyncCursor = (position: number): string => encode('s', position);
export const decodeSyncCursor = (cursor: string | undefined | null): number =>
  cursor ? decode('s', cursor) : 0;

/** History cursor: fetch messages with seq strictly below this one. */
export const encodeHistoryCursor = (seq: number): string => encode('h', seq);
export const decodeHistoryCursor = (cursor: string): number => decode('h', cursor);
