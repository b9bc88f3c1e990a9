/**
 * Display helpers for dates, names and counts. Dates and times are written by the UI language's
 * calendar (i18n/calendar.ts: "7:10 PM" in English, "19:10" in French; not Intl, whose first date
 * formatter costs the page a long task), the words around them through t().
 */
import { CALENDARS, clockTime, longDate, shortDate, weekdayName, type Calendar } from '../i18n/calendar.ts';
import { currentLocale, t } from '../i18n/index.ts';

const calendar = (): Calendar => CALENDARS[currentLocale()];

const DAY_MS = 86_400_000;

/** Local calendar day as a sortable key, e.g. "2025-11-25". */
export function dayKey(date: Date): string {
  const m = String(date.getMonth() + 1).padStart(2, '0');
  const d = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${m}-${d}`;
}

/** Whole calendar days between `date` and `now` (0 = today, 1 = yesterday). */
function daysAgo(date: Date, now: Date): number {
  const start = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  return Math.round((start(now) - start(date)) / DAY_MS);
}

export function formatTime(iso: string): string {
  return clockTime(calendar(), new Date(iso));
}

/** Conversation list stamp: time today, "Yesterday", weekday this week, else a short date. */
export function formatListStamp(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const ago = daysAgo(date, now);
  const c = calendar();
  if (ago <= 0) return clockTime(c, date);
  if (ago === 1) return t('common.date.yesterday');
  if (ago < 7) return capitalise(weekdayName(c, date));
  return shortDate(c, date);
}

/** Day divider in a chat: "Today", "Yesterday", weekday, or a full date. */
export function formatDayLabel(date: Date, now = new Date()): string {
  const ago = daysAgo(date, now);
  const c = calendar();
  if (ago <= 0) return t('common.date.today');
  if (ago === 1) return t('common.date.yesterday');
  if (ago < 7) return capitalise(weekdayName(c, date));
  return longDate(c, date);
}

/** "last seen today at 14:05", "last seen yesterday at 09:12", "last seen 3 Mar at 18:40". */
export function formatLastSeen(iso: string | null, now = new Date()): string {
  if (!iso) return t('common.presence.offline');
  const date = new Date(iso);
  const ago = daysAgo(date, now);
  const c = calendar();
  const time = clockTime(c, date);
  if (ago <= 0) return t('common.presence.lastSeenToday', { time });
  if (ago === 1) return t('common.presence.lastSeenYesterday', { time });
  return t('common.presence.lastSeenOn', { date: shortDate(c, date), time });
}

/** Devices view: "Active today at 14:05", "Active yesterday at 09:12", "Active 3 Mar". */
export function formatLastActive(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const ago = daysAgo(date, now);
  const c = calendar();
  if (ago <= 0) return t('common.presence.activeToday', { time: clockTime(c, date) });
  if (ago === 1) return t('common.presence.activeYesterday', { time: clockTime(c, date) });
  return t('common.presence.activeOn', { date: shortDate(c, date) });
}

/** French weekdays are lower case ("lundi"); a stamp or a divider starts a phrase of its own. */
function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase(currentLocale()) + text.slice(1);
}

/** Built on first need: loading the grapheme rules cost the cold open's first paint (issue #20), and most names never need them. */
let segmenter: Intl.Segmenter | null | undefined;
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]/u;
/** An ASCII letter or digit followed by nothing that could join it into a longer grapheme (a combining mark, a joiner). */
const PLAIN_INITIAL = /^[A-Za-z0-9](?:$|[\x00-\x7f])/;

/** The first grapheme of `word` that starts with a letter or a digit ("🎉x" → "x"), or null. */
function firstLetter(word: string): string | null {
  if (PLAIN_INITIAL.test(word)) return word[0]!;
  segmenter ??= typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  const graphemes = segmenter ? Array.from(segmenter.segment(word), (s) => s.segment) : Array.from(word);
  return graphemes.find((g) => LETTER_OR_DIGIT.test(g)) ?? null;
}

/**
 * Up to two initials from a display name ("Ada Lovelace" → "AL", "bob" → "B"), letters and
 * digits only: an emoji or a symbol never becomes an initial ("🎉 Party" → "P"). "" when the
 * name has no letter at all (the avatar then shows a person icon).
 */
export function initials(name: string): string {
  const letters = name
    .trim()
    .split(/[\s._-]+/)
    .map(firstLetter)
    .filter((l): l is string => l !== null);
  const picked = letters.length > 1 ? [letters[0]!, letters[letters.length - 1]!] : letters;
  return picked.map((l) => l.toLocaleUpperCase()).join('');
}

/** Avatar backgrounds; all keep white initials above 4.5:1 contrast. */
const AVATAR_COLOURS = ['#0f766e', '#1d4ed8', '#7c3aed', '#b91c1c', '#a21caf', '#c2410c', '#15803d', '#0e7490', '#4338ca', '#be123c'];

/** A stable index in 0..n-1 for a seed (a user or conversation id). */
export function seedIndex(seed: string, n: number): number {
  let hash = 0;
  for (const ch of seed) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return hash % n;
}

/** A stable colour per user id. */
export function avatarColour(seed: string): string {
  return AVATAR_COLOURS[seedIndex(seed, AVATAR_COLOURS.length)]!;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
