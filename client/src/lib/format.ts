/** Display helpers for dates, names and counts. Pure functions, locale from the browser. */

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const shortDateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const longDateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
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
  return timeFormat.format(new Date(iso));
}

/** Conversation list stamp: time today, "Yesterday", weekday this week, else a short date. */
export function formatListStamp(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const ago = daysAgo(date, now);
  if (ago <= 0) return timeFormat.format(date);
  if (ago === 1) return 'Yesterday';
  if (ago < 7) return weekdayFormat.format(date);
  return shortDateFormat.format(date);
}

/** Day divider in a chat: "Today", "Yesterday", weekday, or a full date. */
export function formatDayLabel(date: Date, now = new Date()): string {
  const ago = daysAgo(date, now);
  if (ago <= 0) return 'Today';
  if (ago === 1) return 'Yesterday';
  if (ago < 7) return weekdayFormat.format(date);
  return longDateFormat.format(date);
}

/** "last seen today at 14:05", "last seen yesterday at 09:12", "last seen 3 Mar at 18:40". */
export function formatLastSeen(iso: string | null, now = new Date()): string {
  if (!iso) return 'offline';
  const date = new Date(iso);
  const ago = daysAgo(date, now);
  const time = timeFormat.format(date);
  if (ago <= 0) return `last seen today at ${time}`;
  if (ago === 1) return `last seen yesterday at ${time}`;
  return `last seen ${shortDateFormat.format(date)} at ${time}`;
}

/** Devices view: "Active today at 14:05", "Active yesterday at 09:12", "Active 3 Mar". */
export function formatLastActive(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const ago = daysAgo(date, now);
  if (ago <= 0) return `Active today at ${timeFormat.format(date)}`;
  if (ago === 1) return `Active yesterday at ${timeFormat.format(date)}`;
  return `Active ${shortDateFormat.format(date)}`;
}

/** Up to two initials from a display name ("Ada Lovelace" → "AL", "bob" → "B"). */
export function initials(name: string): string {
  const words = name.trim().split(/[\s._-]+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!] : words.slice(0, 1);
  return letters.map((w) => Array.from(w)[0]!.toUpperCase()).join('') || '?';
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
