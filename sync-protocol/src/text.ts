import { z } from 'zod';

/**
 * Text rules shared by every client and the server, so a limit means the same thing
 * on both sides of the wire.
 *
 * Length is counted in Unicode code points (what a person would call characters far
 * more often than UTF-16 units: an emoji outside the BMP counts once, not twice).
 * Ill-formed UTF-16 (a lone surrogate) is refused rather than stored: SQLite and
 * MongoDB each replace it with U+FFFD differently, so sender and recipient would see
 * different text.
 */
export function textLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** In `u` mode a paired surrogate is one code point, so this matches only lone ones. */
const LONE_SURROGATE = /\p{Surrogate}/u;
export const isWellFormedText = (text: string): boolean => !LONE_SURROGATE.test(text);

/**
 * Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): in a name they
 * can make "evil.exe" read as something else in every list it appears in. Marks (LRM/RLM)
 * are harmless and allowed.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
export const hasBidiControl = (text: string): boolean => BIDI_CONTROL.test(text);

/** A trimmed string of `min`..`max` code points, well-formed UTF-16. */
export function textSchema(min: number, max: number, what = 'characters') {
  return z
    .string()
    .trim()
    .refine(isWellFormedText, 'ill-formed text (a lone UTF-16 surrogate)')
    .refine((s) => textLength(s) >= min, min === 1 ? 'must not be empty' : `at least ${min} ${what}`)
    .refine((s) => textLength(s) <= max, `at most ${max} ${what}`);
}
