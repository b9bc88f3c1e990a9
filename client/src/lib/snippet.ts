/**
 * The line a search result shows: a window of the message's text around the first matched word,
 * cut at word boundaries with "…", split into plain and marked parts. The words marked are those
 * the one matching rule finds (search-text.ts `highlightRanges`), so what is highlighted is what
 * was searched for, offline or not. Parts, not HTML: the UI renders each as text (never v-html).
 */
import { highlightRanges } from '@pigeon/sync-protocol';

export interface SnippetPart {
  text: string;
  /** A matched word: shown in <mark>. */
  mark: boolean;
}

export interface SnippetOptions {
  /** Longest snippet, UTF-16 units, before the ellipses. Default 90. */
  max?: number;
  /** How much text to keep before the first match (units). Default 24. */
  lead?: number;
}

const ELLIPSIS = '…';

/** True when `i` falls between the two halves of a surrogate pair (a cut there would break an emoji). */
function insidePair(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  return i > 0 && i < text.length && code >= 0xdc00 && code <= 0xdfff;
}

/** `body` on one line (runs of white space as one space), windowed around its first match. */
export function snippetParts(body: string, terms: readonly string[], options: SnippetOptions = {}): SnippetPart[] {
  const { max = 90, lead = 24 } = options;
  const text = body.replace(/\s+/gu, ' ').trim();
  const ranges = highlightRanges(text, terms);
  const first = ranges[0];

  let start = 0;
  if (first && first[0] > lead) {
    start = first[0] - lead;
    // Start at a word: after the next space, unless that would pass the match itself.
    const space = text.indexOf(' ', start);
    start = space !== -1 && space < first[0] ? space + 1 : start;
  }
  let end = Math.min(text.length, start + max);
  if (end < text.length) {
    // End at a word too, but never inside the first match.
    const space = text.lastIndexOf(' ', end);
    if (space > (first?.[1] ?? start)) end = space;
  }
  if (insidePair(text, start)) start--;
  if (insidePair(text, end)) end++;

  const parts: SnippetPart[] = [];
  const push = (from: number, to: number, mark: boolean) => {
    if (to > from) parts.push({ text: text.slice(from, to), mark });
  };
  let at = start;
  for (const [s, e] of ranges) {
    if (e <= start || s >= end) continue;
    push(at, Math.max(at, s), false);
    push(Math.max(at, s), Math.min(e, end), true);
    at = Math.min(e, end);
  }
  push(at, end, false);
  if (start > 0) parts.unshift({ text: ELLIPSIS, mark: false });
  if (end < text.length) parts.push({ text: ELLIPSIS, mark: false });
  return parts;
}
