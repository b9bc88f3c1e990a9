/**
 * The languages Pigeon speaks and how one is chosen: the user's choice (kept in this browser), else
 * the first of the browser's languages we have, else English. Pure: the caller passes what it read.
 */
export const LOCALES = ['en', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];

/** Where the user's choice is kept (localStorage): per browser, like the theme, not per account. */
export const LOCALE_STORAGE_KEY = 'pigeon:locale';

export const isLocale = (value: unknown): value is Locale => (LOCALES as readonly unknown[]).includes(value);

/** `fr-CA` → `fr`; the stored choice wins over the browser's list. */
export function pickLocale(stored: string | null, browser: readonly string[]): Locale {
  if (isLocale(stored)) return stored;
  for (const tag of browser) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLocale(base)) return base;
  }
  return 'en';
}
