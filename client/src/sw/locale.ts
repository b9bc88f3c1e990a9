/**
 * The language of the worker's notifications: the one the user chose in the app, which the app
 * keeps in Cache Storage for the worker (the worker cannot read localStorage; i18n/index.ts writes
 * it), else the browser's language.
 */
import { isLocale, pickLocale, type Locale } from '../i18n/locales.ts';

export const LOCALE_CACHE = 'pigeon-settings';
export const LOCALE_URL = '/__pigeon/locale';

export async function workerLocale(caches: CacheStorage, languages: readonly string[]): Promise<Locale> {
  try {
    const stored = await (await caches.open(LOCALE_CACHE)).match(LOCALE_URL);
    const text = stored ? (await stored.text()).trim() : null;
    return pickLocale(isLocale(text) ? text : null, languages);
  } catch {
    return pickLocale(null, languages);
  }
}

/** The app's side: keeps the chosen locale where the worker reads it (best effort). */
export function shareLocale(caches: CacheStorage | undefined, locale: Locale): void {
  void caches
    ?.open(LOCALE_CACHE)
    .then((cache) => cache.put(LOCALE_URL, new Response(locale, { headers: { 'content-type': 'text/plain' } })))
    .catch(() => {});
}
