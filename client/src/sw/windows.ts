/**
 * Decisions about the app's open windows, from what `clients.matchAll({ type: 'window' })`
 * reports. Pure: the service worker passes plain snapshots in.
 */
import { conversationIdOf } from './route.ts';

export interface WindowSnapshot {
  url: string;
  visibilityState: DocumentVisibilityState;
  focused: boolean;
}

/**
 * A window is showing this chat to the user right now (visible AND focused on `#/c/<id>`): then
 * the message is on screen already and a notification would only be noise. A hidden tab, a
 * window behind another app, or the same chat open but unfocused still gets one.
 */
export function chatIsInFront(windows: readonly WindowSnapshot[], conversationId: string): boolean {
  return windows.some((w) => w.visibilityState === 'visible' && w.focused && conversationIdOf(w.url) === conversationId);
}

/**
 * Which window a notification click should bring forward (index into `windows`), or -1 for none
 * (open a new one): one already on that chat, else a focused one, else a visible one, else any.
 */
export function windowForChat(windows: readonly WindowSnapshot[], conversationId: string): number {
  const ranks = windows.map((w) => {
    if (conversationIdOf(w.url) === conversationId) return 0;
    if (w.focused) return 1;
    if (w.visibilityState === 'visible') return 2;
    return 3;
  });
  let best = -1;
  ranks.forEach((rank, i) => {
    if (best === -1 || rank < ranks[best]!) best = i;
  });
  return best;
}
