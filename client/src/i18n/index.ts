/// <reference types="vite/client" />
/**
 * The app's i18n (vue-i18n, Composition API mode): English and French, every visible string in
 * locales/<lang>/<part>.json, one file per part of the UI (common, auth, chat, …) so keys read
 * `chat.send`. The JSON is compiled to functions at build time (@intlify/unplugin-vue-i18n in
 * vite.config.ts) and the runtime-only vue-i18n runs them: no message compiler in the bundle and no
 * `eval`, which the strict CSP forbids. i18n.test.ts fails when a key, a placeholder or a plural form
 * is in one language and not the other.
 *
 * Dates and times are written by the current locale's calendar (calendar.ts; lib/format.ts reads
 * `currentLocale()`).
 */
import { createI18n, type I18n } from 'vue-i18n';
import { LOCALE_STORAGE_KEY, LOCALES, type Locale } from './locales.ts';
import { startLocale } from './start-locale.ts';
import { pluralChooser } from './plural.ts';
import { shareLocale } from '../sw/locale.ts';

type Tree = { [key: string]: string | Tree };

/** `./locales/en/chat.json` → `['en', 'chat']`. */
function fileParts(path: string): [string, string] | null {
  const [, locale, part] = /\.\/locales\/([^/]+)\/([^/]+)\.json$/.exec(path) ?? [];
  return locale && part ? [locale, part] : null;
}

/**
 * English, the fallback of every other language, is in the entry chunk; any other language is a
 * chunk of its own, loaded before it is shown (a French user's first paint waits for it; an
 * English user never downloads it). Every chunk is precached, so a switch works offline too.
 */
const english = import.meta.glob<Tree>('./locales/en/*.json', { eager: true, import: 'default' });
const others = import.meta.glob<Tree>(['./locales/*/*.json', '!./locales/en/*.json'], { import: 'default' });

function messagesOf(files: Record<string, Tree>, locale: Locale): Tree {
  const tree: Tree = {};
  for (const [path, part] of Object.entries(files)) {
    const parts = fileParts(path);
    if (parts?.[0] === locale) tree[parts[1]] = part;
  }
  return tree;
}

const initial = startLocale();

// Annotated loosely: inferred from untyped JSON, vue-i18n's types are too deep for vue-tsc.
export const i18n: I18n<Record<string, unknown>, {}, {}, string, false> = createI18n({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en: messagesOf(english, 'en') } as never,
  pluralRules: Object.fromEntries(LOCALES.map((l) => [l, pluralChooser(l)])),
  // A missing key is a bug the parity test catches; at run time, fall back to English quietly.
  missingWarn: false,
  fallbackWarn: false,
}) as never;

const loaded = new Set<Locale>(['en']);

/** Fetches a language's messages once (its chunk); English is always there. */
async function loadLocale(locale: Locale): Promise<void> {
  if (loaded.has(locale)) return;
  const entries = await Promise.all(
    Object.entries(others)
      .filter(([path]) => fileParts(path)?.[0] === locale)
      .map(async ([path, load]) => [path, await load()] as const),
  );
  i18n.global.setLocaleMessage(locale, messagesOf(Object.fromEntries(entries), locale) as never);
  loaded.add(locale);
}

/**
 * The language picked at start (stored choice, else the browser's), its messages loaded: main.ts
 * awaits it before mounting, so a French user never sees an English first frame.
 */
export const ready: Promise<void> = applyLocale(initial).catch(() => applyLocale('en'));

async function applyLocale(locale: Locale): Promise<void> {
  await loadLocale(locale);
  i18n.global.locale.value = locale;
  setDocumentLanguage(locale);
}

/** The locale the UI speaks now (also for the calendar in lib/format.ts). */
export const currentLocale = (): Locale => i18n.global.locale.value as Locale;

/** Switches the UI language once its messages are loaded, and remembers it in this browser. */
export async function setLocale(locale: Locale): Promise<void> {
  await applyLocale(locale);
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // not kept: the next start picks from the browser's languages again
  }
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
