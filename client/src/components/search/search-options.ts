import type { InjectionKey, Ref } from 'vue';

/**
 * The search results are one combobox's options (WAI-ARIA combobox with listboxes): the focus stays
 * in the search box and `aria-activedescendant` names the active option. SearchPanel owns which one
 * is active and provides its id; each option reads it for `aria-selected`.
 */
export const ACTIVE_OPTION: InjectionKey<Readonly<Ref<string | null>>> = Symbol('search-active-option');

/** An option's id, unique in the page: the section's own id and the item's key. */
export const optionId = (base: string, kind: 'chat' | 'person' | 'message', key: string): string => `${base}-${kind}-${key}`;
