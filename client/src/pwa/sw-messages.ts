/**
 * The page's side of the service worker's messages (sw/messages.ts):
 *   - OPEN_CHAT: a notification was clicked and this window was brought forward: show that chat.
 *     Setting the hash is what a click in the list does (useHashRoute follows `hashchange`): no
 *     reload, drafts and scroll kept;
 *   - WHICH_CHAT: a push arrived; the worker asks which chat this window shows (it cannot tell
 *     from the window's URL) to stay silent when that chat is in front.
 * And the other way: a chat opened here (any way: list, back button, link) clears its
 * notification, which stood for messages now on screen (and its "N new messages" count restarts).
 */
import { chatHash, parseHash } from '../lib/hash-route.ts';
import { isOpenChatMessage, isWhichChatMessage, SHOWN_CHAT, type ShownChatMessage } from '../sw/messages.ts';

let listening = false;

async function clearNotificationsOf(conversationId: string): Promise<void> {
  const registration = await navigator.serviceWorker.getRegistration();
  for (const n of (await registration?.getNotifications({ tag: conversationId })) ?? []) n.close();
}

function onRouteChange(): void {
  const shown = parseHash(location.hash);
  if (shown.view === 'chat') clearNotificationsOf(shown.conversationId).catch(() => {});
}

export function listenToServiceWorker(): void {
  if (listening || !('serviceWorker' in navigator)) return;
  listening = true;
  window.addEventListener('hashchange', onRouteChange);
  onRouteChange();
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
    if (isOpenChatMessage(event.data)) {
      const shown = parseHash(location.hash);
      if (shown.view !== 'chat' || shown.conversationId !== event.data.conversationId) location.hash = chatHash(event.data.conversationId);
      return;
    }
    if (isWhichChatMessage(event.data) && event.ports[0]) {
      const shown = parseHash(location.hash);
      const answer: ShownChatMessage = { type: SHOWN_CHAT, conversationId: shown.view === 'chat' ? shown.conversationId : null };
      event.ports[0].postMessage(answer);
    }
  });
}
