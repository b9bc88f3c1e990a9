import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../i18n/index.ts';
import { formatDayLabel, formatLastActive, formatLastSeen, formatListStamp, formatTime, initials } from './format.ts';

// Local times (the formatters print the local zone's clock).
const at = (d: number, h: number, m: number) => new Date(2025, 2, d, h, m);
const now = at(12, 20, 0); // Wednesday 12 March 2025

afterEach(() => setLocale('en'));

describe('format (English)', () => {
  it('prints times without a leading zero', () => {
    setLocale('en');
    expect(formatTime(at(12, 19, 10).toISOString())).toMatch(/^7:10\s?PM$/);
    expect(formatTime(at(12, 7, 5).toISOString())).toMatch(/^7:05\s?AM$/);
  });
  it('says today, yesterday, a weekday or a date', () => {
    setLocale('en');
    expect(formatDayLabel(at(12, 9, 0), now)).toBe('Today');
    expect(formatDayLabel(at(11, 9, 0), now)).toBe('Yesterday');
    expect(formatDayLabel(at(10, 9, 0), now)).toBe('Monday');
    expect(formatDayLabel(at(1, 9, 0), now)).toBe('March 1, 2025');
    expect(formatListStamp(at(11, 9, 0).toISOString(), now)).toBe('Yesterday');
    expect(formatLastSeen(at(12, 14, 5).toISOString(), now)).toMatch(/^last seen today at 2:05\s?PM$/);
    expect(formatLastSeen(at(3, 18, 40).toISOString(), now)).toMatch(/^last seen Mar 3 at 6:40\s?PM$/);
    expect(formatLastSeen(null, now)).toBe('offline');
    expect(formatLastActive(at(11, 9, 12).toISOString(), now)).toMatch(/^Active yesterday at 9:12\s?AM$/);
  });
});

describe('format (French)', () => {
  it('prints 24-hour times and French words', async () => {
    await setLocale('fr');
    expect(formatTime(at(12, 19, 10).toISOString())).toBe('19:10');
    expect(formatDayLabel(at(12, 9, 0), now)).toBe('Aujourd’hui');
    expect(formatDayLabel(at(11, 9, 0), now)).toBe('Hier');
    expect(formatDayLabel(at(10, 9, 0), now)).toBe('Lundi');
    expect(formatDayLabel(at(1, 9, 0), now)).toBe('1 mars 2025');
    expect(formatLastSeen(at(12, 14, 5).toISOString(), now)).toBe('vu aujourd’hui à 14:05');
    expect(formatLastSeen(at(3, 18, 40).toISOString(), now)).toBe('vu le 3 mars à 18:40');
    expect(formatLastActive(at(3, 18, 40).toISOString(), now)).toBe('Actif le 3 mars');
  });
});

describe('initials', () => {
  it('takes letters or digits only, never an emoji', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('bob')).toBe('B');
    expect(initials('🎉 Party')).toBe('P');
    expect(initials('🎉Party')).toBe('P');
    expect(initials('👨‍👩‍👧 family time')).toBe('FT');
    expect(initials('élodie')).toBe('É');
    expect(initials('42')).toBe('4');
    expect(initials('🎉🎉')).toBe('');
    expect(initials('  ')).toBe('');
  });

  it('keeps a letter with its combining mark, past the plain-ASCII shortcut', () => {
    expect(initials('e\u0301mile zola')).toBe('E\u0301Z'); // "émile" spelt with a combining accent
    expect(initials('a')).toBe('A');
    expect(initials('x.y')).toBe('XY');
  });
});
