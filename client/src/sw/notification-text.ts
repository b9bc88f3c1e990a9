/**
 * The service worker's few sentences, in both languages. The worker has no vue-i18n (its bundle
 * stays small, and the locale JSON is compiled for the app's runtime), so its texts live here; the
 * `Record<Locale, NotificationTexts>` type makes a sentence missing in one language a compile error,
 * as i18n.test.ts does for the app's files.
 */
import type { Locale } from '../i18n/locales.ts';

export interface NotificationTexts {
  photos(n: number): string;
  files(n: number): string;
  newMessage: string;
  newMessages(n: number): string;
  group: string;
}

export const NOTIFICATION_TEXTS: Record<Locale, NotificationTexts> = {
  en: {
    photos: (n) => (n === 1 ? 'Photo' : `${n} photos`),
    files: (n) => (n === 1 ? 'File' : `${n} files`),
    newMessage: 'New message',
    newMessages: (n) => `${n} new messages`,
    group: 'Group',
  },
  fr: {
    photos: (n) => (n === 1 ? 'Photo' : `${n} photos`),
    files: (n) => (n === 1 ? 'Fichier' : `${n} fichiers`),
    newMessage: 'Nouveau message',
    newMessages: (n) => `${n} nouveaux messages`,
    group: 'Groupe',
  },
};
