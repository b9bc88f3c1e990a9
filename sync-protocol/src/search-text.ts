/**
 * The one rule for matching words, shared by the SQLite store (it indexes these tokens in FTS5),
 * the MongoDB store (a `tokens` array with a multikey index: FerretDB 1.x has no text index), the
 * device (a Dexie multiEntry index) and the PWA's highlighting — so a search finds the same
 * messages offline and online.
 *
 * A word is a run of letters and digits (any script); it is compared lower-cased and without
 * accents (`Élan` = `elan`). A query word matches a body word that starts with it ("pho" finds
 * "photo"). Scripts written without spaces (Chinese, Japanese) form long words: found by their
 * beginning only.
 */
import { LIMITS } from './limits.ts';

/** Longest word kept, code points (a longer one is cut: a URL or a hash is still found by its start). */
export const SEARCH_WORD_MAX = 40;
/** Words indexed per message: enough for the 4,096 characters of a body, bounded for pathological ones. */
export const SEARCH_WORDS_MAX = 512;

const WORD = /[\p{L}\p{N}]+/gu;

const ASCII = /^[\x00-\x7f]*$/;

/** Lower case, without diacritics (NFKD, combining marks dropped), compatibility forms folded (ﬁ → fi). */
export function foldForSearch(text: string): string {
  // ASCII has no compatibility forms and no marks: folding it is lower-casing (see `asciiWords`).
  return ASCII.test(text) ? text.toLowerCase() : foldUnicode(text);
}

const foldUnicode = (text: string): string => text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();

const isAsciiWordCode = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);

/**
 * `words` of an all-ASCII text, by char codes: the same words (the letters and digits of ASCII are
 * [A-Za-z0-9], one code unit each), without the Unicode regex and its match objects. Most chats are
 * mostly ASCII, and every message a device stores or a server sends is tokenized (issue #20).
 */
function asciiWords(folded: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= folded.length; i++) {
    if (i < folded.length && isAsciiWordCode(folded.charCodeAt(i))) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(folded.slice(start, Math.min(i, start + SEARCH_WORD_MAX)));
      start = -1;
    }
  }
  return out;
}

function words(folded: string): string[] {
  const out: string[] = [];
  for (const m of folded.matchAll(WORD)) {
    const word = m[0];
    // UTF-16 length ≥ code points: only a word that long can need cutting (the spread is a tenth
    // of a device's catch-up CPU when done for every word).
    out.push(word.length > SEARCH_WORD_MAX ? [...word].slice(0, SEARCH_WORD_MAX).join('') : word);
  }
  return out;
}

/** The words of `text` folded, in order, repeats kept. */
const foldedWords = (text: string): string[] => (ASCII.test(text) ? asciiWords(text.toLowerCase()) : words(foldUnicode(text)));

/** The first `max` distinct words, in order (a chat message's few words: a scan beats a Set). */
function distinct(words: readonly string[], max: number): string[] {
  if (words.length > 32) return [...new Set(words)].slice(0, max);
  const out: string[] = [];
  for (const w of words) if (!out.includes(w) && out.push(w) === max) break;
  return out;
}

/** The distinct words of a body, in order of first appearance, at most SEARCH_WORDS_MAX. */
export function searchTokens(text: string): string[] {
  return distinct(foldedWords(text), SEARCH_WORDS_MAX);
}

/** The distinct words of a query, at most LIMITS.searchTermsMax (the rest ignored); [] finds nothing. */
export function queryTerms(q: string): string[] {
  return distinct(foldedWords(q), LIMITS.searchTermsMax);
}

/** True when every term starts some token (the terms of queryTerms, the tokens of searchTokens). */
export function matchesTerms(tokens: readonly string[], terms: readonly string[]): boolean {
  return terms.length > 0 && terms.every((t) => tokens.some((w) => w.startsWith(t)));
}

/**
 * Where in `text` (UTF-16 offsets into the original, not the folded copy) the words that a term
 * matches are, to highlight: [start, end) ranges in order, not overlapping.
 */
export function highlightRanges(text: string, terms: readonly string[]): Array<[number, number]> {
  if (terms.length === 0) return [];
  const ranges: Array<[number, number]> = [];
  for (const m of text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    const folded = [...foldForSearch(m[0]).matchAll(WORD)].map((w) => w[0]).join('');
    if (terms.some((t) => folded.startsWith(t))) ranges.push([m.index!, m.index! + m[0].length]);
  }
  return ranges;
}
