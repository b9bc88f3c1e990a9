/**
 * How each UI language writes a time and a date, as data: the clock (12 or 24 hours), the names
 * of weekdays and months, and the order of a date's parts. lib/format.ts formats with it instead
 * of `Intl.DateTimeFormat`, whose first use in a page loads ICU's calendar and time-zone data:
 * 19–45 ms of main thread in this Chromium (×4 in Lighthouse's simulated phone), one long task on
 * the way to every list and chat (issue #20), for the four formats below in two languages.
 *
 * calendar.test.ts checks every entry against Intl (Node's full ICU), so a language added to
 * `LOCALES` without its calendar fails to type-check, and a wrong name fails the test.
 */
import type { Locale } from './locales.ts';

export type Calendar = {
  /** true: "7:10 PM" (a day period); false: "19:10". No leading zero either way ("7:05"). */
  hour12: boolean;
  dayPeriods: readonly [am: string, pm: string];
  /** Sunday first, as `Date#getDay()`. */
  weekdays: readonly string[];
  /** January first, as `Date#getMonth()`. */
  months: readonly string[];
  monthsShort: readonly string[];
  /** "Mar 3" / "3 mars". */
  shortDate: (day: number, monthShort: string) => string;
  /** "March 3, 2025" / "3 mars 2025". */
  longDate: (day: number, month: string, year: number) => string;
};

export const CALENDARS: Record<Locale, Calendar> = {
  en: {
    hour12: true,
    dayPeriods: ['AM', 'PM'],
    weekdays: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
    months: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
    monthsShort: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
    shortDate: (day, month) => `${month} ${day}`,
    longDate: (day, month, year) => `${month} ${day}, ${year}`,
  },
  fr: {
    hour12: false,
    dayPeriods: ['', ''],
    weekdays: ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'],
    months: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
    monthsShort: ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'],
    shortDate: (day, month) => `${day} ${month}`,
    longDate: (day, month, year) => `${day} ${month} ${year}`,
  },
};

/** "7:10 PM" (12-hour clock: 0 h is 12 AM, 12 h is 12 PM) or "19:10", "0:05" (24-hour). */
export function clockTime(c: Calendar, date: Date): string {
  const h = date.getHours();
  const minute = String(date.getMinutes()).padStart(2, '0');
  if (!c.hour12) return `${h}:${minute}`;
  return `${h % 12 || 12}:${minute} ${c.dayPeriods[h < 12 ? 0 : 1]}`;
}

export const weekdayName = (c: Calendar, date: Date) => c.weekdays[date.getDay()]!;
export const shortDate = (c: Calendar, date: Date) => c.shortDate(date.getDate(), c.monthsShort[date.getMonth()]!);
export const longDate = (c: Calendar, date: Date) => c.longDate(date.getDate(), c.months[date.getMonth()]!, date.getFullYear());
