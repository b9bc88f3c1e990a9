import { describe, expect, it } from 'vitest';
import { CALENDARS, clockTime, longDate, shortDate, weekdayName } from './calendar.ts';
import { LOCALES } from './locales.ts';

/** ICU versions differ in the space before a day period (U+202F in some, U+0020 in others). */
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, ' ');
const intl = (locale: string, options: Intl.DateTimeFormatOptions, date: Date) => plain(new Intl.DateTimeFormat(locale, options).format(date));

describe.each(LOCALES)('the %s calendar writes what Intl writes', (locale) => {
  const c = CALENDARS[locale];

  it('every hour and minute of a day', () => {
    for (let h = 0; h < 24; h++) {
      for (const m of [0, 5, 10, 59]) {
        const date = new Date(2025, 2, 3, h, m);
        expect(clockTime(c, date), `${h}:${m}`).toBe(intl(locale, { hour: 'numeric', minute: '2-digit' }, date));
      }
    }
  });

  it('every weekday, every month, short and long, one- and two-digit days', () => {
    for (let d = 0; d < 7; d++) {
      const date = new Date(2025, 2, 2 + d); // Sunday 2 March 2025 onwards
      expect(weekdayName(c, date)).toBe(intl(locale, { weekday: 'long' }, date));
    }
    for (let month = 0; month < 12; month++) {
      for (const day of [1, 9, 28]) {
        const date = new Date(2024, month, day, 12);
        expect(shortDate(c, date), `${month}/${day}`).toBe(intl(locale, { day: 'numeric', month: 'short' }, date));
        expect(longDate(c, date), `${month}/${day}`).toBe(intl(locale, { day: 'numeric', month: 'long', year: 'numeric' }, date));
      }
    }
  });
});
