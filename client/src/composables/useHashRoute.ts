import { computed, getCurrentScope, onScopeDispose, ref, type ComputedRef } from 'vue';

export interface HashRoute {
  /** The open conversation, from `#/c/<id>`; null on the conversation list. */
  conversationId: ComputedRef<string | null>;
  openConversation(id: string): void;
  closeConversation(): void;
}

const PREFIX = '#/c/';
/** Set when this tab navigated list → chat itself, so "back" can pop that history entry. */
let openedInApp = false;

export const conversationHref = (id: string): string => `${PREFIX}${encodeURIComponent(id)}`;

/**
 * The open conversation lives in the URL hash, so the browser/phone back button closes
 * it and a reload (online or from the service worker) reopens the same chat.
 */
export function useHashRoute(): HashRoute {
  const hash = ref(location.hash);
  function update() {
    hash.value = location.hash;
  }
  window.addEventListener('hashchange', update);
  if (getCurrentScope()) onScopeDispose(() => window.removeEventListener('hashchange', update));

  const conversationId = computed(() => (hash.value.startsWith(PREFIX) ? decodeURIComponent(hash.value.slice(PREFIX.length)) : null));

  function openConversation(id: string) {
    if (conversationId.value === id) return;
    openedInApp = conversationId.value === null;
    location.hash = conversationHref(id);
  }
  function closeConversation() {
    // Pop the entry we pushed, so the device back button and ours agree.
    if (openedInApp) history.back();
    else location.hash = '#/';
    openedInApp = false;
  }
  return { conversationId, openConversation, closeConversation };
}
