/// <reference types="vite/client" />
/**
 * The app's i18n (vue-i18n, Composition API mode): English and French, every visible string in
 * locales/<lang>/<part>.json, one file per part of the UI (common, auth, chat, …) so keys read
 * `chat.send`. The JSON is compiled to functions at build time (@intlify/unplugin-vue-i18n in
 * vite.config.ts) and the runtime-only vue-i18n runs them: no message compiler in the bundle and no
 * `eval`, which the strict CSP forbids. i18n.test.ts fails when a key, a placeholder or a plural form
 * is in one language and not the other.
 *
 * Dates and times go through Intl with the current locale (lib/format.ts reads `currentLocale()`).
 */
import { createI18n, type I18n } from 'vue-i18n';
import { LOCALE_STORAGE_KEY, LOCALES, pickLocale, type Locale } from './locales.ts';
import { pluralChooser } from './plural.ts';
import { shareLocale } from '../sw/locale.ts';

type Tree = { [key: string]: string | Tree };

/** locales/en/chat.json → messages.en.chat */
function loadMessages(): Record<Locale, Tree> {
  const files = import.meta.glob<Tree>('./locales/*/*.json', { eager: true, import: 'default' });
  const messages = Object.fromEntries(LOCALES.map((l) => [l, {} as Tree])) as Record<Locale, Tree>;
  for (const [path, tree] of Object.entries(files)) {
    const [, locale, part] = /\.\/locales\/([^/]+)\/([^/]+)\.json$/.exec(path) ?? [];
    if (locale && part && locale in messages) messages[locale as Locale][part] = tree;
  }
  return messages;
}

function storedChoice(): string | null {
  try {
    return localStorage.getItem(LOCALE_STORAGE_KEY);
  } catch {
    return null; // storage blocked: the browser's languages decide
  }
}

const initial = pickLocale(storedChoice(), typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]);

// Annotated loosely: inferred from untyped JSON, vue-i18n's types are too deep for vue-tsc.
export const i18n: I18n<Record<string, unknown>, {}, {}, string, false> = createI18n({
  legacy: false,
  locale: initial,
  fallbackLocale: 'en',
  messages: loadMessages() as never,
  pluralRules: Object.fromEntries(LOCALES.map((l) => [l, pluralChooser(l)])),
  // A missing key is a bug the parity test catches; at run time, fall back to English quietly.
  missingWarn: false,
  fallbackWarn: false,
}) as never;

setDocumentLanguage(initial);

/** The locale the UI speaks now (also for Intl in lib/format.ts). */
export const currentLocale = (): Locale => i18n.global.locale.value as Locale;

/** Switches the UI language at once and remembers it in this browser. */
export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // not kept: the next start picks from the browser's languages again
  }
  setDocumentLanguage(locale);
}

/** The page's language, and the service worker's notifications' (sw/locale.ts reads what this keeps). */
function setDocumentLanguage(locale: Locale): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
  if (typeof caches !== 'undefined') shareLocale(caches, locale);
}

/** vue-i18n's `t` as the app calls it (its generic type, over untyped messages, is too deep for vue-tsc). */
export interface Translate {
  (key: string): string;
  (key: string, named: Record<string, unknown>): string;
  (key: string, named: Record<string, unknown>, plural: number): string;
  (key: string, plural: number, named?: Record<string, unknown>): string;
}

/** For code outside components (lib/, stores/): `t('common.errors.offline')`, `t('x.unsent', n)`. */
export const t: Translate = i18n.global.t as unknown as Translate;
