import { t } from '../i18n/index.ts';

/**
 * Who types in a group, as a header or list line: "Ana is typing…", "Ana and Bo are typing…",
 * "Ana, Bo and 2 others are typing…" (names in the order they started).
 */
export function describeTypists(names: readonly string[]): string {
  const [a = '', b = '', c = ''] = names;
  if (names.length === 0) return '';
  if (names.length === 1) return t('chat.typing.one', { a });
  if (names.length === 2) return t('chat.typing.two', { a, b });
  if (names.length === 3) return t('chat.typing.three', { a, b, c });
  const n = names.length - 2;
  return t('chat.typing.more', { a, b, n }, n);
}
