import type { InjectionKey, Ref } from 'vue';

/**
 * The search results are one combobox's options (WAI-ARIA combobox with listboxes): the focus stays
 * in the search box and `aria-activedescendant` names the active option. SearchPanel owns which one
 * is active and provides its id; each option reads it for `aria-selected`.
 */
export const ACTIVE_OPTION: InjectionKey<Readonly<Ref<string | null>>> = Symbol('search-active-option');

/** An option's id, unique in the page: the section's own id and the item's key. */
export const optionId = (base: string, kind: 'chat' | 'person' | 'message', key: string): string => `${base}-${kind}-${key}`;

/**
 * The option a step down (1) or up (-1) makes active, among `count` options, from `at` (-1: none).
 * Down from none is the first, up from none the last; down stays on the last; up from the first
 * is none again (the box itself, as in a native combobox).
 */
export function stepOption(at: number, step: 1 | -1, count: number): number {
  if (count === 0) return -1;
  if (at < 0 || at >= count) return step === 1 ? 0 : count - 1;
  return Math.min(at + step, count - 1);
}
