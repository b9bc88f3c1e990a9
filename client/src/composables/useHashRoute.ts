import { computed, getCurrentScope, onScopeDispose, ref, type ComputedRef } from 'vue';
import { chatOpening } from '../perf/marks.ts';

export interface HashRoute {
  /** The open conversation, from `#/c/<id>`; null on the conversation list. */
  conversationId: ComputedRef<string | null>;
  openConversation(id: string): void;
  closeConversation(): void;
}

const PREFIX = '#/c/';
/** Set when this tab navigated list → chat itself, so "back" can pop that history entry. */
let openedInApp = false;

const idOf = (hash: string): string | null => (hash.startsWith(PREFIX) ? decodeURIComponent(hash.slice(PREFIX.length)) : null);

export const conversationHref = (id: string): string => `${PREFIX}${encodeURIComponent(id)}`;

/**
 * The open conversation lives in the URL hash, so the browser/phone back button closes
 * it and a reload (online or from the service worker) reopens the same chat.
 */
export function useHashRoute(): HashRoute {
  const hash = ref(location.hash);
  /** The chat openConversation opened (and marked): its hashchange must not mark it again. */
  let openedId: string | null = null;
  function update() {
    const id = idOf(location.hash);
    // Back/forward into a chat is an open too (pigeon:chat-open), marked when the URL changes.
    if (id !== null && id !== idOf(hash.value) && id !== openedId) chatOpening(id);
    openedId = null;
    hash.value = location.hash;
  }
  window.addEventListener('hashchange', update);
  if (getCurrentScope()) onScopeDispose(() => window.removeEventListener('hashchange', update));

  const conversationId = computed(() => idOf(hash.value));

  function openConversation(id: string) {
    if (conversationId.value === id) return;
    chatOpening(id);
    openedInApp = conversationId.value === null;
    openedId = id;
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
