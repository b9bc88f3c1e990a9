import type { LocalMessage } from '@pigeon/sync-protocol/engine';
import { watch, watchEffect, type Ref } from 'vue';
import { engine } from '../engine.ts';
import { afterNextPaintOrNow } from '../perf/marks.ts';
import { useEngineState } from './useEngineState.ts';
import { usePageVisible } from './usePageVisible.ts';

export interface UseMarkReadOptions {
  conversationId: string;
  /** The conversation's unread count, as the engine keeps it. */
  unreadCount: () => number;
  messages: Readonly<Ref<readonly LocalMessage[]>>;
  /** The messages' first page is in. */
  loaded: Readonly<Ref<boolean>>;
  meId: string;
}

/**
 * Read receipts of an open conversation (1:1 or group): whenever something unread is on screen
 * and the page is visible, mark it read. The signature stops a loop when the engine's counters
 * lag behind the call; it is reset when the page becomes visible again or we reconnect.
 */
export function useMarkRead(options: UseMarkReadOptions): void {
  const { conversationId, unreadCount, messages, loaded, meId } = options;
  const state = useEngineState();
  const visible = usePageVisible();
  let lastMarked = '';

  watch([visible, () => state.value.connection === 'online'], ([isVisible, isConnected], [wasVisible, wasConnected]) => {
    if (isVisible !== wasVisible || (isConnected && !wasConnected)) lastMarked = '';
  });

  watchEffect(() => {
    if (!visible.value || !loaded.value) return;
    const unread = unreadCount();
    const newestIncoming = messages.value.findLast((m) => m.senderId !== meId);
    if (unread === 0 && (!newestIncoming || newestIncoming.status === 'read')) return;
    const signature = `${newestIncoming?.key ?? ''}|${unread}|${state.value.connection === 'online'}`;
    if (signature === lastMarked) return;
    lastMarked = signature;
    // After the frame that shows the chat: marking read writes the rows, receipts and the
    // conversation's summary, whose transaction and the queries it wakes would otherwise delay
    // the chat's first paint (issue #20, opening a chat).
    afterNextPaintOrNow(() => engine.markRead(conversationId).catch((e: unknown) => console.warn('[markRead]', e)), 'user-visible');
  });
}

