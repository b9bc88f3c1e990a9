/**
 * The page's side of the service worker's messages: a notification click in a window that is
 * already open asks it to show that chat (sw/push-handlers.ts). Setting the hash is what a click
 * in the list does (useHashRoute follows `hashchange`): no reload, drafts and scroll kept.
 */
import { chatHash } from '../sw/route.ts';
import { isOpenChatMessage } from '../sw/messages.ts';

let listening = false;

export function listenToServiceWorker(): void {
  if (listening || !('serviceWorker' in navigator)) return;
  listening = true;
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
    if (!isOpenChatMessage(event.data)) return;
    const hash = chatHash(event.data.conversationId);
    if (location.hash !== hash) location.hash = hash;
  });
}
