import { computed, getCurrentScope, onScopeDispose, ref, type ComputedRef } from 'vue';
import { chatOpening } from '../perf/marks.ts';

export interface HashRoute {
  /** The open conversation, from `#/c/<id>`; null on the conversation list. */
  conversationId: ComputedRef<string | null>;
  /** The Devices view (`#/devices`) is open. */
  devicesOpen: ComputedRef<boolean>;
  openConversation(id: string): void;
  /** The open conversation is known under another id now (a group created here got the server's): same history entry. */
  replaceConversation(id: string): void;
  closeConversation(): void;
  openDevices(): void;
  /** Back to the list (phones) or the empty pane (two panes); the same as closing a chat. */
  closeDevices(): void;
}

const PREFIX = '#/c/';
const DEVICES = '#/devices';
/** Set when this tab navigated list → chat (or devices) itself, so "back" can pop that history entry. */
let openedInApp = false;

const idOf = (hash: string): string | null => (hash.startsWith(PREFIX) ? decodeURIComponent(hash.slice(PREFIX.length)) : null);

export const conversationHref = (id: string): string => `${PREFIX}${encodeURIComponent(id)}`;

/**
 * The open conversation (or the Devices view) lives in the URL hash, so the browser/phone back
 * button closes it and a reload (online or from the service worker) reopens the same screen.
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
  const devicesOpen = computed(() => hash.value === DEVICES);
  const onList = () => conversationId.value === null && !devicesOpen.value;

  function openConversation(id: string) {
    if (conversationId.value === id) return;
    chatOpening(id);
    openedInApp = onList();
    openedId = id;
    location.hash = conversationHref(id);
  }
  function replaceConversation(id: string) {
    if (conversationId.value === null || conversationId.value === id) return;
    history.replaceState(history.state, '', conversationHref(id));
    hash.value = location.hash; // replaceState fires no hashchange
  }
  function close() {
    // Pop the entry we pushed, so the device back button and ours agree.
    if (openedInApp) history.back();
    else location.hash = '#/';
    openedInApp = false;
  }
  function openDevices() {
    if (devicesOpen.value) return;
    openedInApp = onList();
    location.hash = DEVICES;
  }
  return { conversationId, devicesOpen, openConversation, replaceConversation, closeConversation: close, openDevices, closeDevices: close };
}
