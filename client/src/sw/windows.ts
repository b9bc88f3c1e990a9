/**
 * Decisions about the app's open windows (pure): the worker passes plain snapshots in.
 */
export interface WindowSnapshot {
  /** The chat the window shows (its own answer, else read from its URL); null for none. */
  conversationId: string | null;
  visibilityState: DocumentVisibilityState;
  focused: boolean;
}

/**
 * A window is showing this chat to the user right now (visible AND focused on it): then the
 * message is on screen already and a notification would only be noise. A hidden tab, a window
 * behind another app, or the same chat open but unfocused still gets one.
 */
export function chatIsInFront(windows: readonly WindowSnapshot[], conversationId: string): boolean {
  return windows.some((w) => w.visibilityState === 'visible' && w.focused && w.conversationId === conversationId);
}

/**
 * Which window a notification click should bring forward (index into `windows`), or -1 for none
 * (open a new one): one already on that chat, else a focused one, else a visible one, else any.
 */
export function windowForChat(windows: readonly WindowSnapshot[], conversationId: string): number {
  const rank = (w: WindowSnapshot) => (w.conversationId === conversationId ? 0 : w.focused ? 1 : w.visibilityState === 'visible' ? 2 : 3);
  let best = -1;
  windows.forEach((w, i) => {
    if (best === -1 || rank(w) < rank(windows[best]!)) best = i;
  });
  return best;
}
