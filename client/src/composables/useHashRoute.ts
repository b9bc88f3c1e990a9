import { computed, getCurrentScope, onScopeDispose, ref, type ComputedRef } from 'vue';
import { chatHash, DEVICES_HASH, parseHash } from '../lib/hash-route.ts';
import { chatOpening } from '../perf/marks.ts';

export interface HashRoute {
  /** The open conversation, from `#/c/<id>`; null on the conversation list. */
  conversationId: ComputedRef<string | null>;
  /** The message to show in it, from `#/c/<id>/m/<messageId>` (a search result was opened); null otherwise. */
  messageId: ComputedRef<string | null>;
  /** The Devices view (`#/devices`) is open. */
  devicesOpen: ComputedRef<boolean>;
  /**
   * Opens a chat, at one message (server id) when given. `marked`: pigeon:chat-open was made
   * already, when the user asked (MessengerPage reads the chat before it switches to it).
   */
  openConversation(id: string, messageId?: string | null, marked?: boolean): void;
  /** The open conversation is known under another id now (a group created here got the server's): same history entry. */
  replaceConversation(id: string): void;
  /** The chat showed its message: `#/c/<id>` again in the same history entry (so opening that message again is a change). */
  messageShown(): void;
  closeConversation(): void;
  openDevices(): void;
  /** Back to the list (phones) or the empty pane (two panes); the same as closing a chat. */
  closeDevices(): void;
}

/** Set when this tab navigated list → chat (or devices) itself, so "back" can pop that history entry. */
let openedInApp = false;

const idOf = (hash: string): string | null => {
  const parsed = parseHash(hash);
  return parsed.view === 'chat' ? parsed.conversationId : null;
};

export const conversationHref = (id: string): string => chatHash(id);

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

  const parsed = computed(() => parseHash(hash.value));
  const conversationId = computed(() => (parsed.value.view === 'chat' ? parsed.value.conversationId : null));
  const messageId = computed(() => (parsed.value.view === 'chat' ? parsed.value.messageId : null));
  const devicesOpen = computed(() => parsed.value.view === 'devices');
  const onList = () => conversationId.value === null && !devicesOpen.value;

  function openConversation(id: string, message: string | null = null, marked = false) {
    if (conversationId.value === id && !message) return;
    if (conversationId.value !== id) {
      if (!marked) chatOpening(id);
      openedInApp = onList();
      openedId = id;
    }
    go(chatHash(id, message));
  }
  /**
   * A new history entry, and the route follows at once: its hashchange comes in a task of its own,
   * and the chat's pane would be rendered only then, one task (and whatever ran between) after the
   * tap that asked for it (issue #20, opening a chat). That event then changes nothing.
   */
  function go(target: string) {
    location.hash = target;
    hash.value = location.hash;
  }
  function replace(target: string) {
    history.replaceState(history.state, '', target);
    hash.value = location.hash; // replaceState fires no hashchange
  }
  function replaceConversation(id: string) {
    if (conversationId.value === null || conversationId.value === id) return;
    replace(chatHash(id, messageId.value));
  }
  function messageShown() {
    if (conversationId.value !== null && messageId.value !== null) replace(chatHash(conversationId.value));
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
    go(DEVICES_HASH);
  }
  return { conversationId, messageId, devicesOpen, openConversation, replaceConversation, messageShown, closeConversation: close, openDevices, closeDevices: close };
}
