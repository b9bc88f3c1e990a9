import { LOCALE_STORAGE_KEY, pickLocale, type Locale } from './locales.ts';

function storedChoice(): string | null {
  try {
    return localStorage.getItem(LOCALE_STORAGE_KEY);
  } catch {
    return null; // storage blocked: the browser's languages decide
  }
}

/**
 * The language a page starts in: the user's stored choice, else the browser's (locales.ts). One
 * reading for i18n/index.ts and the list snapshot's script (boot/paint-list-snapshot.ts), which
 * shows a snapshot only in the language the app will start in; no vue-i18n here, for that script.
 */
export function startLocale(): Locale {
  return pickLocale(storedChoice(), typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]));
}
