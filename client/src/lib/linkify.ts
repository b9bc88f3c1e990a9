/**
 * Splits a message's text into plain runs and links, so a bubble renders links as Vue nodes
 * (never v-html). Pure and conservative: only http:, https: and mailto: become links (never
 * javascript:, data:, file:…), plus a bare address like "ana@example.org" (as mailto:, as
 * WhatsApp does). A bare "example.org" or "www.example.org" stays text: guessing hosts links
 * file names ("notes.txt") and sentences without a space after the full stop.
 *
 * Trailing punctuation is the sentence's, not the link's ("see https://x.org/a." links without
 * the dot), and a closing bracket belongs to the link only when the link opened one
 * (https://en.wikipedia.org/wiki/Pigeon_(disambiguation)).
 */
export type TextToken = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** A scheme link (up to whitespace or an angle bracket/quote that cannot be in a URL) or a bare address. */
const CANDIDATE = /\b(?:https?:\/\/|mailto:)[^\s<>"]+|[\w.%+-]+@[a-z\d](?:[a-z\d-]*[a-z\d])?(?:\.[a-z\d](?:[a-z\d-]*[a-z\d])?)*\.[a-z]{2,}\b/giu;
const TRAILING = /[.,;:!?'"’”»…*_~]$/u;
const PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Drops the sentence's punctuation and unmatched closing brackets from the end of a candidate. */
function trimEnd(candidate: string): string {
  let s = candidate;
  for (;;) {
    const last = s.slice(-1);
    if (TRAILING.test(s)) s = s.slice(0, -1);
    else if (last in PAIRS && count(s, PAIRS[last]!) < count(s, last)) s = s.slice(0, -1);
    else return s;
  }
}

const count = (s: string, ch: string) => s.split(ch).length - 1;

/** The link's target if it is safe to open, else null. */
export function safeHref(text: string): string | null {
  const raw = /^(?:https?:|mailto:)/i.test(text) ? text : `mailto:${text}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (!SAFE_PROTOCOLS.has(url.protocol)) return null;
  if (url.protocol !== 'mailto:' && !url.hostname) return null;
  if (url.protocol === 'mailto:' && !/^[^@\s]+@[^@\s]+$/.test(decodeURIComponent(url.pathname))) return null;
  return url.href;
}

export function linkify(text: string): TextToken[] {
  const out: TextToken[] = [];
  let plain = '';
  let at = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index;
    const candidate = trimEnd(match[0]);
    const href = candidate ? safeHref(candidate) : null;
    if (!href) continue;
    plain += text.slice(at, start);
    if (plain) out.push({ kind: 'text', text: plain });
    plain = '';
    out.push({ kind: 'link', text: candidate, href });
    at = start + candidate.length;
  }
  plain += text.slice(at);
  if (plain) out.push({ kind: 'text', text: plain });
  return out;
}
